/**
 * GPT-2 (GPT2LMHeadModel, model_type "gpt2"; also DistilGPT2 and DialoGPT): learned absolute positions,
 * pre-LayerNorm blocks, fused q/k/v in a Conv1D [in, out] layout, GELU MLP, LM head tied to wte unless the
 * checkpoint has lm_head.weight. Tensor names as in the checkpoint without `transformer.`.
 */
import { UserError } from '../errors';
import { attention, conv1d, layerNorm } from './blocks';
import type { ConfigReader } from './config';
import type { ModelArch, ModelFamily, TrunkInputs } from './family';

const GELU_APPROXIMATIONS: Record<string, 'tanh' | 'none'> = { gelu_new: 'tanh', gelu_pytorch_tanh: 'tanh', gelu_fast: 'tanh', gelu: 'none' };

export const gpt2: ModelFamily = {
  modelTypes: ['gpt2'],
  name: 'GPT-2',
  describe(c: ConfigReader): ModelArch {
    const activation = c.string('activation_function', 'gelu_new');
    const gelu = GELU_APPROXIMATIONS[activation];
    if (!gelu) throw new UserError(`${c.file}: unsupported activation_function "${activation}" (supported: ${Object.keys(GELU_APPROXIMATIONS).join(', ')})`, c.file);
    const H = c.size('n_embd', 'width');
    const nHead = c.size('n_head', 'heads');
    c.divisible('n_embd', H, 'n_head', nHead);
    const nLayer = c.size('n_layer', 'layers');
    const inner = c.size('n_inner', 'width', 4 * H);
    const V = c.size('vocab_size', 'vocab');
    const P = c.size('n_positions', 'positions', c.size('n_ctx', 'positions', 1024));
    const eps = c.positive('layer_norm_epsilon', 1e-5);
    const tied = c.bool('tie_word_embeddings', true);
    const scaleAttn = c.bool('scale_attn_weights', true);
    const byInverseLayer = c.bool('scale_attn_by_inverse_layer_idx', false);
    const hd = H / nHead;

    const shapes = new Map<string, number[]>([['wte.weight', [V, H]], ['wpe.weight', [P, H]], ['ln_f.weight', [H]], ['ln_f.bias', [H]]]);
    for (let i = 0; i < nLayer; i++) {
      const p = `h.${i}.`;
      shapes.set(`${p}ln_1.weight`, [H]).set(`${p}ln_1.bias`, [H]);
      shapes.set(`${p}attn.c_attn.weight`, [H, 3 * H]).set(`${p}attn.c_attn.bias`, [3 * H]);
      shapes.set(`${p}attn.c_proj.weight`, [H, H]).set(`${p}attn.c_proj.bias`, [H]);
      shapes.set(`${p}ln_2.weight`, [H]).set(`${p}ln_2.bias`, [H]);
      shapes.set(`${p}mlp.c_fc.weight`, [H, inner]).set(`${p}mlp.c_fc.bias`, [inner]);
      shapes.set(`${p}mlp.c_proj.weight`, [inner, H]).set(`${p}mlp.c_proj.bias`, [H]);
    }
    if (!tied) shapes.set('lm_head.weight', [V, H]);

    return {
      modelType: 'gpt2',
      dims: { hiddenSize: H, numLayers: nLayer, numHeads: nHead, numKeyValueHeads: nHead, headDim: hd, vocabSize: V, maxPositions: P },
      weightShapes: shapes,
      linearWeights: [...shapes.keys()].filter((n) => /\.(c_attn|c_proj|c_fc)\.weight$/.test(n)),
      linearLayout: 'in-out',
      embedTable: 'wte.weight',
      lmHead: tied ? 'wte.weight' : 'lm_head.weight',
      embedScale: 1,
      rope: [],
      buildTrunk({ g, B, T, embedded, positions, causalMask, past, present, w }: TrunkInputs) {
        const conv = (x: ReturnType<typeof w>, name: string) => conv1d(g, x, w(`${name}.weight`), w(`${name}.bias`));
        const norm = (x: ReturnType<typeof w>, name: string) => layerNorm(g, x, w(`${name}.weight`), w(`${name}.bias`), eps);
        let x = g.reshape(g.add(embedded, g.op('Gather', [w('wpe.weight'), positions], { axis: 0 })), [B * T, H]);
        for (let i = 0; i < nLayer; i++) {
          const p = `h.${i}.`;
          const [q, k, v] = g.split(conv(norm(x, `${p}ln_1`), `${p}attn.c_attn`), 1, [H, H, H]);
          let scale = scaleAttn ? 1 / Math.sqrt(hd) : 1;
          if (byInverseLayer) scale /= i + 1;
          const attended = attention(g, { heads: nHead, kvHeads: nHead, headDim: hd, scale }, q, k, v, {
            B, T, bias: causalMask, past: past?.[i], onPresent: present && ((k, v) => present(i, k, v)),
          });
          x = g.add(x, conv(attended, `${p}attn.c_proj`));
          const inner = g.op('Gelu', [conv(norm(x, `${p}ln_2`), `${p}mlp.c_fc`)], { approximate: gelu });
          x = g.add(x, conv(inner, `${p}mlp.c_proj`));
        }
        return norm(x, 'ln_f');
      },
    };
  },
};
