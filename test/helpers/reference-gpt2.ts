/**
 * A plain-loop GPT-2 forward pass in float64, written straight from the architecture (pre-LN, Conv1D [in,out]
 * weights, tanh GELU, causal attention, tied head): an independent reference for the ONNX graphs.
 */
export type Weights = Map<string, { shape: number[]; data: Float32Array }>;

export interface RefConfig {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  vocabSize: number;
  eps: number;
}

/** Full-vocabulary logits [n][V] for a sequence of input embeddings (rows of length H) at positions 0..n-1. */
export function referenceLogits(w: Weights, c: RefConfig, inputs: number[][]): number[][] {
  const get = (name: string) => (w.get(name) ?? w.get(`transformer.${name}`))!.data;
  const H = c.nEmbd;
  const hd = H / c.nHead;
  const n = inputs.length;
  const wpe = get('wpe.weight');
  let x = inputs.map((row, t) => row.map((v, j) => v + wpe[t * H + j]));
  const layerNorm = (rows: number[][], prefix: string) => {
    const [g, b] = [get(`${prefix}.weight`), get(`${prefix}.bias`)];
    return rows.map((r) => {
      const mean = r.reduce((s, v) => s + v, 0) / H;
      const variance = r.reduce((s, v) => s + (v - mean) ** 2, 0) / H;
      return r.map((v, j) => ((v - mean) / Math.sqrt(variance + c.eps)) * g[j] + b[j]);
    });
  };
  const linear = (rows: number[][], prefix: string, out: number) => {
    const [W, b] = [get(`${prefix}.weight`), get(`${prefix}.bias`)];
    const inDim = rows[0].length;
    return rows.map((r) => Array.from({ length: out }, (_, o) => {
      let s = b[o];
      for (let i = 0; i < inDim; i++) s += r[i] * W[i * out + o];
      return s;
    }));
  };
  const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  for (let l = 0; l < c.nLayer; l++) {
    const p = `h.${l}.`;
    const qkv = linear(layerNorm(x, `${p}ln_1`), `${p}attn.c_attn`, 3 * H);
    const attended = x.map(() => new Array<number>(H).fill(0));
    for (let h = 0; h < c.nHead; h++) {
      for (let t = 0; t < n; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += qkv[t][h * hd + d] * qkv[s][H + h * hd + d];
          scores.push(dot / Math.sqrt(hd));
        }
        const m = Math.max(...scores);
        const e = scores.map((v) => Math.exp(v - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++) for (let d = 0; d < hd; d++) attended[t][h * hd + d] += (e[s] / z) * qkv[s][2 * H + h * hd + d];
      }
    }
    const proj = linear(attended, `${p}attn.c_proj`, H);
    x = x.map((r, t) => r.map((v, j) => v + proj[t][j]));
    const inner = linear(layerNorm(x, `${p}ln_2`), `${p}mlp.c_fc`, 4 * H).map((r) => r.map(gelu));
    const mlp = linear(inner, `${p}mlp.c_proj`, H);
    x = x.map((r, t) => r.map((v, j) => v + mlp[t][j]));
  }
  const wte = get('wte.weight');
  return layerNorm(x, 'ln_f').map((r) => Array.from({ length: c.vocabSize }, (_, v) => {
    let s = 0;
    for (let j = 0; j < H; j++) s += r[j] * wte[v * H + j];
    return s;
  }));
}

export function embed(w: Weights, H: number, ids: number[]): number[][] {
  const wte = (w.get('wte.weight') ?? w.get('transformer.wte.weight'))!.data;
  return ids.map((id) => Array.from(wte.subarray(id * H, (id + 1) * H)));
}

export function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const z = Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - m - z);
}
