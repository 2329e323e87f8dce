import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { Engine } from '../../src/engine/engine';
import { buildScoredExample, loadPromptFile } from '../../src/prompts';
import { JobCancelledError, WorkerClient } from '../../src/worker/client';
import { writeFakeModel } from '../helpers/fake-engine';
import { sharedPath } from '../helpers/shared';
import { writeTinyGpt2 } from '../helpers/tiny-model';

const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  json(): Record<string, unknown>;
  /** stdout without its last (JSON) line. */
  streamed(): string;
}

async function ptune(args: string[], fake: boolean): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    client: fake ? { engineModule } : { threads: 1 },
  };
  const code = await run(args, io);
  const lines = stdout.replace(/\n$/, '').split('\n');
  return { code, stdout, stderr, json: () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown>, streamed: () => lines.slice(0, -1).join('\n') };
}

describe('cli: ptune generate', function () {
  let dir: string;
  let fakeModel: string;
  let template: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-generate-'));
    fakeModel = writeFakeModel(path.join(dir, 'fake'), { hiddenSize: 6, seed: 2 });
    template = path.join(dir, 'answer.prompt');
    fs.writeFileSync(template, '---\ntask: generation\ninputs: [text]\ntarget_column: answer\nmax_new_tokens: 3\n---\nReview: {{ text }}\nAnswer:');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--json: the streamed text is the result text; max_new_tokens comes from the prompt file unless --max-new-tokens overrides it', async () => {
    const r = await ptune(['generate', '--model', fakeModel, '--template', template, '--input', 'text=great fun', '--json'], true);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = r.json();
    assert.strictEqual(j.maxNewTokens, 3);
    assert.ok((j.ids as number[]).length <= 3);
    assert.strictEqual(r.streamed(), j.text);
    for (const key of ['text', 'ids', 'tokensPerSecond', 'timeToFirstTokenMs']) assert.ok(key in j, key);
    const longer = await ptune(['generate', '--model', fakeModel, '--template', template, '--input', 'text=great fun', '--max-new-tokens', '6', '--json'], true);
    assert.strictEqual(longer.json().maxNewTokens, 6);
    assert.ok(String(longer.json().text).startsWith(String(j.text)), 'greedy: the longer output extends the shorter one');
  });

  it('--stop cuts the output before the stop string', async () => {
    const full = (await ptune(['generate', '--model', fakeModel, '--template', template, '--input', 'text=x', '--max-new-tokens', '8', '--json'], true)).json();
    const text = String(full.text);
    const stop = text.slice(2, 4);
    assert.ok(stop.length === 2, JSON.stringify(text));
    const cut = (await ptune(['generate', '--model', fakeModel, '--template', template, '--input', 'text=x', '--max-new-tokens', '8', '--stop', stop, '--json'], true)).json();
    assert.strictEqual(cut.text, text.slice(0, text.indexOf(stop)));
    assert.strictEqual(cut.finishReason, 'stop');
  });

  for (const [args, message] of [
    [['--temperature', '-1'], /^ptune: --temperature must be a number ≥ 0/],
    [['--top-p', '0'], /^ptune: --top-p must be a number in \(0, 1\]/],
    [['--top-p', '1.5'], /^ptune: --top-p must be a number in \(0, 1\]/],
    [['--min-p', 'lots'], /^ptune: --min-p must be a number, got "lots"/],
    [['--top-k', '2.5'], /^ptune: --top-k must be a whole number/],
    [['--repetition-penalty', '0'], /^ptune: --repetition-penalty must be a number > 0/],
    [['--max-new-tokens', '0'], /^ptune: --max-new-tokens must be a whole number ≥ 1/],
    [['--stop', ''], /^ptune: --stop must be a non-empty string/],
    [['--row', '1'], /^ptune: give --input or --row with --data, not both/],
  ] as const) {
    it(`bad flag ${args.join(' ')}: one clear message, exit 1`, async () => {
      const r = await ptune(['generate', '--model', fakeModel, '--template', template, '--input', 'text=x', ...args], true);
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, message);
      assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  it('missing inputs and bad --input name the flag', async () => {
    let r = await ptune(['generate', '--model', fakeModel, '--template', template], true);
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /needs --input text=… \(its inputs: text\), or --row N --data FILE/);
    r = await ptune(['generate', '--model', fakeModel, '--template', template, '--input', 'text'], true);
    assert.match(r.stderr, /^ptune: --input must be key=value/);
    r = await ptune(['generate', '--model', fakeModel, '--template', template, '--row', '2'], true);
    assert.match(r.stderr, /^ptune: --row needs --data FILE/);
    const data = path.join(dir, 'one.jsonl');
    fs.writeFileSync(data, '{"text": "only row", "answer": "a"}\n');
    r = await ptune(['generate', '--model', fakeModel, '--template', template, '--row', '2', '--data', data], true);
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /--row 2: .*one\.jsonl has 1 data row \(rows count from 1\)/);
    r = await ptune(['generate', '--model', fakeModel, '--template', template, '--row', '1', '--data', data, '--json'], true);
    assert.strictEqual(r.code, 0, r.stderr);
  });

  it('streams progress events as tokens come, and Cancel stops the job', async () => {
    const slow = writeFakeModel(path.join(dir, 'slow'), { hiddenSize: 6, seed: 2, delayMs: 30 });
    const client = new WorkerClient({ engineModule });
    try {
      const events: string[] = [];
      const handle = client.run('generate', { model: slow, template, row: { text: 'x' }, maxNewTokens: 200, sampling: { temperature: 1, seed: 1 } }, {
        onProgress: (p) => {
          events.push(p.text);
          if (events.length === 2) handle.cancel();
        },
      });
      await assert.rejects(handle.result, JobCancelledError);
      assert.ok(events.length >= 2 && events.length < 50, `${events.length} events`);
    } finally {
      await client.dispose();
    }
  });

  it('ptune eval scores a generation prompt (exact match, contains, token F1, ROUGE-L) and writes each output', async () => {
    const data = path.join(dir, 'qa.jsonl');
    fs.writeFileSync(data, ['{"text": "good", "answer": "yes"}', '{"text": "bad", "answer": "no"}'].join('\n') + '\n');
    const predictions = path.join(dir, 'qa-predictions.jsonl');
    const r = await ptune(['eval', '--model', fakeModel, '--template', template, '--data', data, '--predictions', predictions, '--json'], true);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = r.json();
    assert.strictEqual(j.task, 'generation');
    assert.strictEqual(j.n, 2);
    const lines = fs.readFileSync(predictions, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepStrictEqual(lines.map((l) => l.target), ['yes', 'no']);
    // Each output is what ptune generate (greedy) gives for the same row and max_new_tokens.
    const single = (await ptune(['generate', '--model', fakeModel, '--template', template, '--input', 'text=good', '--temperature', '0', '--json'], true)).json();
    assert.strictEqual(lines[0].output, single.text);
    const mean = (key: string) => lines.reduce((s, l) => s + (l[key] as number), 0) / lines.length;
    assert.strictEqual(j.exactMatch, mean('exact'));
    assert.strictEqual(j.tokenF1, mean('f1'));
    assert.strictEqual(j.rougeL, mean('rougeL'));
    assert.strictEqual(j.contains, mean('contains'));
  });

  it('a chat prompt on a real (tiny) model: rendered through the folder\'s chat_template.jinja; a model without one is a clear error', async () => {
    const tiny = writeTinyGpt2(path.join(dir, 'tiny')).dir;
    const chat = path.join(dir, 'chat.prompt');
    fs.writeFileSync(chat, '---\nformat: chat\ntask: generation\ninputs: [text]\ntarget_column: answer\n---\nsystem:\nBe brief.\nuser:\n{{ text }}\n');
    let r = await ptune(['generate', '--model', tiny, '--template', chat, '--input', 'text=the great', '--max-new-tokens', '4', '--json'], false);
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /^ptune: .*chat\.prompt: format: chat needs the model's chat template, and this model has none/);
    fs.writeFileSync(path.join(tiny, 'chat_template.jinja'), '{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}');
    r = await ptune(['generate', '--model', tiny, '--template', chat, '--input', 'text=the great', '--max-new-tokens', '4', '--json'], false);
    assert.strictEqual(r.code, 0, r.stderr);
    const { loadTokenizer } = await import('../../src/engine/tokenizer');
    const tokenizer = await loadTokenizer(tiny);
    // "<|endoftext|>" (the template's bos_token) is one id; the text encodes as the template wrote it.
    assert.strictEqual(r.json().promptTokens, tokenizer.encode('<|endoftext|>system: Be brief.\nuser: the great\nassistant:').length);
  });

  describe('on ../shared/models/imdb-gpt2-small', () => {
    let model: string;
    const row = { text: 'A wonderful film, funny and warm, with a great cast.' };
    before(function () {
      model = sharedPath(this, 'models/imdb-gpt2-small');
    });

    it('greedy output is token-identical to Engine.generate', async () => {
      const r = await ptune(['generate', '--model', model, '--template', template, '--input', `text=${row.text}`, '--max-new-tokens', '12', '--temperature', '0', '--json'], false);
      assert.strictEqual(r.code, 0, r.stderr);
      const engine = await Engine.load(model, { threads: 1 });
      try {
        const built = buildScoredExample(await loadPromptFile(template), row, engine.tokenizer);
        const expected = await engine.generate(built.example.promptIds, 12);
        assert.ok(expected.length >= 5, `only ${expected.length} tokens: the comparison would say little`);
        assert.deepStrictEqual(r.json().ids, expected);
        assert.strictEqual(r.json().text, engine.tokenizer.decode(expected));
      } finally {
        await engine.dispose();
      }
    });

    it('seeded sampling is reproducible, and another seed gives other text', async () => {
      const args = (seed: string) => ['generate', '--model', model, '--template', template, '--input', `text=${row.text}`, '--max-new-tokens', '12', '--temperature', '1.2', '--seed', seed, '--json'];
      const a = (await ptune(args('5'), false)).json();
      const b = (await ptune(args('5'), false)).json();
      const c = (await ptune(args('6'), false)).json();
      assert.deepStrictEqual(a.ids, b.ids);
      assert.notDeepStrictEqual(a.ids, c.ids);
    });
  });
});
