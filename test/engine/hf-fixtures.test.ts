/**
 * Every model family against Hugging Face transformers itself, on configuration variants the shared tiny models
 * do not cover (RoPE scaling types, biases, explicit head_dim, sliding windows on some layers, longrope's short
 * and long factors, Gemma's per-layer-type RoPE and soft-capping). The checkpoints and the expected logits in
 * test/fixtures/families/ were written by scripts/fixtures/make-family-fixtures.py with transformers' own model
 * classes (see the README there); each run is one forward pass over a right-padded batch, as here.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Engine } from '../../src/engine/engine';

const FIXTURES = resolve(__dirname, '../../../test/fixtures/families');
const TOLERANCE = 1e-4;

interface Expected {
  variant: string;
  model_type: string;
  made_by: { transformers: string };
  runs: { sequences: number[][]; checks: { positions: number[]; logits: number[][] }[] }[];
}

/**
 * Variants the engine does not match yet, with the reason (the tests stay, skipped, until the engine is fixed), and
 * whether the pre-transformers-5 config form of the same settings fails too.
 */
/** Variants where the engine differs from transformers, skipped with the reason in the title (none at present). */
const KNOWN_MISMATCHES: Record<string, { reason: string; legacyFormToo: boolean }> = {};

/** A parsed config.json; the edits below reach into its nested objects (rope_parameters). */
type Config = Record<string, any>;

/**
 * What each fixture exercises, as config edits that make the engine ignore (or misread by one) that feature. Each
 * must move the logits far past the tolerance, or the fixture would pass an engine that ignores it.
 */
const FEATURES: Record<string, Record<string, (c: Config) => void>> = {
  'llama-llama3-bias': {
    'llama3 RoPE scaling': (c) => (c.rope_parameters = { rope_type: 'default', rope_theta: c.rope_parameters.rope_theta }),
    'attention biases': (c) => (c.attention_bias = false),
    'MLP biases': (c) => (c.mlp_bias = false),
  },
  'llama-linear-tied-headdim': {
    'linear RoPE scaling': (c) => (c.rope_parameters.factor = 1),
  },
  'mistral-window5': {
    'the sliding window': (c) => (c.sliding_window = null),
    'the window edge (q − k < window)': (c) => (c.sliding_window = 6),
  },
  'qwen2-sliding-layer1': {
    'the sliding window': (c) => (c.use_sliding_window = false),
    'which layers slide (layer 0 does not)': (c) => (c.layer_types = ['sliding_attention', 'sliding_attention']),
    'the window edge (q − k < window)': (c) => (c.sliding_window = 5),
  },
  'qwen3-headdim8-bias': {
    'q/k/v/o biases': (c) => (c.attention_bias = false),
  },
  'phi3-longrope-partial-window8': {
    'the sliding window': (c) => (c.sliding_window = null),
    'long factors past original_max_position_embeddings': (c) => (c.rope_parameters.long_factor = c.rope_parameters.short_factor),
    'short factors up to original_max_position_embeddings': (c) => (c.rope_parameters.short_factor = c.rope_parameters.long_factor),
    'the longrope attention factor': (c) => (c.rope_parameters.attention_factor = 1),
  },
  'phi3-longrope-explicit-factor': {
    'the explicit longrope factor (2, not 64 / 16)': (c) => delete c.rope_parameters.factor,
    'long factors past original_max_position_embeddings': (c) => (c.rope_parameters.long_factor = c.rope_parameters.short_factor),
  },
  'phi3-partial-in-rope-parameters': {
    'partial_rotary_factor inside rope_parameters': (c) => (c.rope_parameters.partial_rotary_factor = 1),
  },
  'gemma3-linear-global-softcap': {
    'linear RoPE scaling on the global layers': (c) => (c.rope_parameters.full_attention.factor = 1),
    'final logit soft-capping': (c) => (c.final_logit_softcapping = null),
    'query_pre_attn_scalar': (c) => (c.query_pre_attn_scalar = c.head_dim),
    'layer_types (a global layer)': (c) => (c.layer_types = c.layer_types.map(() => 'sliding_attention')),
    'the window edge (q − k < window)': (c) => (c.sliding_window = 5),
  },
};

/**
 * The same settings in the form configs had before transformers 5 (what most Hub checkpoints still carry):
 * rope_theta and rope_scaling at the top level (Phi-3: `type: "longrope"`, original_max_position_embeddings only at
 * the top level), Gemma 3's rope_local_base_freq and sliding_window_pattern, Qwen2 without layer_types (derived from
 * max_window_layers). transformers 5.18 reads each to exactly the same logits as the saved form (the generator
 * script asserts it); so must the engine.
 */
function toLegacyForm(c: Config): void {
  const rp = c.rope_parameters;
  delete c.rope_parameters;
  if (rp.full_attention) {
    const { rope_theta: globalTheta, ...globalScaling } = rp.full_attention;
    c.rope_theta = globalTheta;
    c.rope_local_base_freq = rp.sliding_attention.rope_theta;
    c.rope_scaling = globalScaling.rope_type === 'default' ? null : globalScaling;
    // Layer i is global when (i + 1) % pattern == 0.
    const pattern = c.layer_types.indexOf('full_attention') + 1;
    assert.deepEqual(c.layer_types, c.layer_types.map((_: string, i: number) => ((i + 1) % pattern ? 'sliding_attention' : 'full_attention')));
    delete c.layer_types;
    c.sliding_window_pattern = pattern;
  } else {
    const { rope_theta, partial_rotary_factor, ...scaling } = rp;
    c.rope_theta = rope_theta;
    if (partial_rotary_factor !== undefined) c.partial_rotary_factor = partial_rotary_factor;
    if (c.model_type === 'phi3') {
      delete scaling.original_max_position_embeddings;
      scaling.type = scaling.rope_type;
      delete scaling.rope_type;
    }
    c.rope_scaling = (scaling.rope_type ?? scaling.type) === 'default' ? null : scaling;
  }
  if (c.model_type === 'qwen2') delete c.layer_types;
}

/** A copy of a fixture folder with config.json edited, for the duration of `body`. */
async function withConfig(variant: string, edit: (c: Config) => unknown, body: (dir: string) => Promise<void>): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'hf-fixture-'));
  try {
    for (const f of readdirSync(join(FIXTURES, variant))) copyFileSync(join(FIXTURES, variant, f), join(tmp, f));
    const config = JSON.parse(readFileSync(join(FIXTURES, variant, 'config.json'), 'utf8')) as Config;
    edit(config);
    writeFileSync(join(tmp, 'config.json'), JSON.stringify(config));
    await body(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The largest |engine − transformers| over every recorded logit, each run as one `logits` call (one padded batch). */
async function maxDifference(dir: string, expected: Expected): Promise<{ maxDiff: number; compared: number }> {
  const engine = await Engine.load(dir);
  try {
    assert.equal(engine.info.modelType, expected.model_type);
    const V = engine.info.vocabSize;
    let maxDiff = 0;
    let compared = 0;
    for (const run of expected.runs) {
      const ours = await engine.logits(run.sequences);
      run.checks.forEach((check, b) => {
        check.positions.forEach((pos, j) => {
          const theirs = check.logits[j];
          assert.equal(theirs.length, V, 'full-vocabulary logits');
          for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(ours[b][pos * V + v] - theirs[v]));
          compared += V;
        });
      });
    }
    return { maxDiff, compared };
  } finally {
    await engine.dispose();
  }
}

function readExpected(variant: string): Expected {
  return JSON.parse(readFileSync(join(FIXTURES, variant, 'expected.json'), 'utf8')) as Expected;
}

const variants = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('logits parity with Hugging Face transformers on configuration variants (test/fixtures/families)', function () {
  this.timeout(120_000);

  it('has the fixtures, each with a right-padded batch of unequal lengths', function () {
    assert.deepEqual(variants, Object.keys(FEATURES).sort(), 'every fixture folder is listed in FEATURES');
    for (const v of variants) {
      const expected = readExpected(v);
      assert.equal(expected.variant, v);
      assert.ok(expected.runs.some((r) => new Set(r.sequences.map((s) => s.length)).size > 1), `${v}: a padded batch`);
    }
  });

  for (const variant of variants) {
    const mismatch = KNOWN_MISMATCHES[variant];
    const title = `${variant}: full-vocabulary logits of the last positions within ${TOLERANCE} of transformers`;
    // A known mismatch keeps its tests, skipped, with the reason in the title.
    const skipped = mismatch ? ` — SKIPPED, engine mismatch: ${mismatch.reason}` : '';
    (mismatch ? it.skip : it)(title + skipped, async function () {
      const expected = readExpected(variant);
      const { maxDiff, compared } = await maxDifference(join(FIXTURES, variant), expected);
      console.log(`      ${variant}: max abs logit difference vs transformers ${expected.made_by.transformers} ${maxDiff.toExponential(2)} (${compared} logits)`);
      assert.ok(Number.isFinite(maxDiff) && maxDiff <= TOLERANCE, `${variant}: max abs difference ${maxDiff}`);
    });

    it(`${variant}: exercises ${Object.keys(FEATURES[variant] ?? {}).join(', ')} (ignoring any moves the logits past 100× the tolerance)`, async function () {
      const features = FEATURES[variant];
      assert.ok(features, `${variant}: list what the fixture exercises in FEATURES`);
      const expected = readExpected(variant);
      for (const [feature, ignore] of Object.entries(features)) {
        await withConfig(variant, ignore, async (dir) => {
          const { maxDiff } = await maxDifference(dir, expected);
          assert.ok(maxDiff > 100 * TOLERANCE, `${variant}: ignoring ${feature} changes the logits by only ${maxDiff}`);
        });
      }
    });

    (mismatch?.legacyFormToo ? it.skip : it)(`${variant}: the pre-transformers-5 config form (rope_theta, rope_scaling, …) gives the same logits${mismatch?.legacyFormToo ? skipped : ''}`, async function () {
      const expected = readExpected(variant);
      await withConfig(variant, toLegacyForm, async (dir) => {
        const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
        assert.equal(config.rope_parameters, undefined);
        const { maxDiff } = await maxDifference(dir, expected);
        console.log(`      ${variant}, pre-5 config form: max abs logit difference ${maxDiff.toExponential(2)}`);
        assert.ok(maxDiff <= TOLERANCE, `${variant} (pre-5 config form): max abs difference ${maxDiff}`);
      });
    });
  }
});
