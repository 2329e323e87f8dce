import * as assert from 'assert';
import { userErrorMessage } from '../helpers/user-error';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTokenizer } from '../../src/engine/tokenizer';
import type { TextTokenizer } from '../../src/engine/api';
import { buildScoredExample, checkPromptText, parsePromptFile, previewPrompt, renderPrompt, type ChatMessage } from '../../src/prompts';

const FIXTURES = resolve(__dirname, '../../../test/fixtures/chat-templates');
const QWEN = join(FIXTURES, 'qwen2.5');
const LLAMA = join(FIXTURES, 'llama-3.1');

interface HfChatTokenizer {
  apply_chat_template(messages: ChatMessage[], options: Record<string, unknown>): string;
}

async function reference(dir: string): Promise<HfChatTokenizer> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  return (await AutoTokenizer.from_pretrained(dir, { local_files_only: true })) as unknown as HfChatTokenizer;
}

const prompt = (front: string, body: string) => parsePromptFile(`---\n${front}\n---\n${body}`, 'chat.prompt');

const WITH_SYSTEM = prompt(
  'format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer',
  'system:\nYou are a film critic. Answer in one word.\n\nuser:\nReview: {{ text }}\nIs it positive?\n',
);
const WITHOUT_SYSTEM = prompt('format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer', 'user:\nReview: {{ text }}\n\nIs it positive?\n');
const ROW = { text: 'A  "moving" film.\nTruly.', answer: 'yes' };


describe('prompts: chat prompts (format: chat)', function () {
  let qwen: TextTokenizer;
  let llama: TextTokenizer;
  before(async () => {
    qwen = await loadTokenizer(QWEN);
    llama = await loadTokenizer(LLAMA);
  });

  for (const [name, dir] of [['Qwen2.5 (ChatML)', QWEN], ['Llama 3.1', LLAMA]] as const) {
    for (const [label, p, messages] of [
      ['with a system message', WITH_SYSTEM, [{ role: 'system', content: 'You are a film critic. Answer in one word.' }, { role: 'user', content: `Review: ${ROW.text}\nIs it positive?` }]],
      ['without a system message', WITHOUT_SYSTEM, [{ role: 'user', content: `Review: ${ROW.text}\n\nIs it positive?` }]],
    ] as const) {
      it(`${name}, ${label}: renders exactly as Transformers.js apply_chat_template`, async () => {
        const tokenizer = dir === QWEN ? qwen : llama;
        const expected = (await reference(dir)).apply_chat_template(messages as unknown as ChatMessage[], { tokenize: false, add_generation_prompt: true });
        assert.strictEqual(renderPrompt(p, ROW, [], tokenizer.chatTemplate).text, expected);
      });
    }
  }

  it('the rendered text is the real format (checked by hand against the model cards), not just self-consistent', () => {
    assert.strictEqual(
      renderPrompt(WITHOUT_SYSTEM, { text: 'Fine.' }, [], qwen.chatTemplate).text,
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nReview: Fine.\n\nIs it positive?<|im_end|>\n<|im_start|>assistant\n',
    );
    assert.strictEqual(
      renderPrompt(WITH_SYSTEM, { text: 'Fine.' }, [], llama.chatTemplate).text,
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a film critic. Answer in one word.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nReview: Fine.\nIs it positive?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('template kwargs from the front matter reach the template (Llama\'s date_string), as apply_chat_template kwargs do', async () => {
    const p = prompt('format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer\nchat_template_kwargs:\n  date_string: 01 Jan 2030', 'user:\n{{ text }}');
    const expected = (await reference(LLAMA)).apply_chat_template([{ role: 'user', content: 'hi' }], { tokenize: false, add_generation_prompt: true, date_string: '01 Jan 2030' });
    const text = renderPrompt(p, { text: 'hi' }, [], llama.chatTemplate).text;
    assert.strictEqual(text, expected);
    assert.ok(text.includes('Today Date: 01 Jan 2030'));
  });

  it('the BOS the template writes is the only one: ids start with one BOS although the tokenizer adds one to plain text', () => {
    assert.deepStrictEqual(llama.prefixIds, [llama.bosTokenId], 'tokenizer(text) adds a BOS on this tokenizer');
    const built = buildScoredExample(WITH_SYSTEM, ROW, llama);
    const bos = llama.bosTokenId!;
    assert.strictEqual(built.example.promptIds[0], bos);
    assert.strictEqual(built.example.promptIds.filter((id) => id === bos).length, 1);
    // Each special-token string is one id, so the ids decode back to the rendered text.
    assert.strictEqual(llama.decode(built.example.promptIds), built.text);
    // A plain-text prompt on the same tokenizer still gets its BOS added.
    const plain = parsePromptFile('---\ninputs: [text]\ntask: generation\ntarget_column: answer\n---\n{{ text }}', 'plain.prompt');
    assert.deepStrictEqual(buildScoredExample(plain, ROW, llama).example.promptIds.slice(0, 1), [bos]);
  });

  it('classification on a chat prompt scores the label right after the generation prompt', () => {
    const p = prompt('format: chat\ninputs: [text]\nlabels:\n  positive: "positive"\n  negative: "negative"', 'user:\nReview: {{ text }}\nAnswer positive or negative.');
    const built = buildScoredExample(p, { text: 'Great.', label: 'positive' }, qwen);
    assert.ok(built.text.endsWith('<|im_start|>assistant\n'), JSON.stringify(built.text));
    assert.strictEqual(qwen.decode([...built.example.promptIds, ...built.example.continuations[0]]), `${built.text}positive`);
    assert.strictEqual(built.example.gold, 0);
    assert.deepStrictEqual(checkPromptText(p.source, p.file).filter((d) => /leading space/.test(d.message)), [], 'no leading-space warning for chat labels');
  });

  it('a marker soft prompt lands inside the rendered chat text where {{ soft_prompt }} is', () => {
    const p = prompt('format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer\nsoft_prompt: marker', 'user:\n{{ soft_prompt }}Review: {{ text }}');
    const preview = previewPrompt(p, ROW, qwen);
    const before = '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n';
    assert.strictEqual(preview.text.slice(0, preview.softPromptOffset), before);
    assert.strictEqual(qwen.decode(preview.ids.slice(0, preview.softPromptAt)), before);
  });

  it('few-shot rows become user/assistant turns after the system message', () => {
    const p = prompt('format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer\nshots: 1', 'system:\nBe brief.\nuser:\n{{ text }}');
    const expected: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Q1' }, { role: 'assistant', content: 'A1' }, { role: 'user', content: 'Q2' }];
    return reference(QWEN).then((ref) => {
      assert.strictEqual(renderPrompt(p, { text: 'Q2' }, [{ text: 'Q1', answer: 'A1' }], qwen.chatTemplate).text, ref.apply_chat_template(expected, { tokenize: false, add_generation_prompt: true }));
    });
  });

  describe('bad input: one clear message', () => {
    it('a chat prompt on a model without a chat template', () => {
      const message = userErrorMessage(() => buildScoredExample(WITH_SYSTEM, ROW, { ...qwen, chatTemplate: undefined }));
      assert.match(message, /^chat\.prompt: format: chat needs the model's chat template, and this model has none/);
    });

    it('an unknown role, with its line', () => {
      const message = userErrorMessage(() => prompt('format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer', 'user:\nhi {{ text }}\nnarrator:\nonce upon a time'));
      assert.match(message, /^chat\.prompt:9:1: unknown role "narrator:" \(a chat prompt's roles are system:, user:, assistant:\)/);
    });

    it('text before the first role line, and no user message', () => {
      assert.match(userErrorMessage(() => prompt('format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer', 'Hello {{ text }}\nuser:\nhi')), /chat\.prompt:7:1: a chat prompt's body starts with a role line/);
      assert.match(userErrorMessage(() => prompt('format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer', 'system:\n{{ text }}')), /needs a user: message/);
    });

    it('chat keys on a text prompt, and a named template the model does not have', () => {
      assert.match(userErrorMessage(() => prompt('inputs: [text]\ntask: generation\ntarget_column: answer\nchat_template: tool_use', '{{ text }}')), /chat_template applies only to format: chat/);
      const p = prompt('format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer\nchat_template: tool_use', 'user:\n{{ text }}');
      assert.match(userErrorMessage(() => renderPrompt(p, ROW, [], qwen.chatTemplate)), /has a single chat template, not named ones/);
    });
  });

  describe('where the template comes from', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ptune-chat-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('a list of named templates picks "default", or the one chat_template: names; chat_template.jinja wins over the config', async () => {
      const model = join(dir, 'm');
      mkdirSync(model);
      copyFileSync(join(QWEN, 'tokenizer.json'), join(model, 'tokenizer.json'));
      writeFileSync(join(model, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|im_end|>', chat_template: [{ name: 'default', template: 'D:{{ messages[0].content }}' }, { name: 'short', template: 'S:{{ messages[0].content }}{{ eos_token }}' }] }));
      const named = prompt('format: chat\ninputs: [text]\ntask: generation\ntarget_column: answer\nchat_template: short', 'user:\n{{ text }}');
      let tok = await loadTokenizer(model);
      assert.strictEqual(renderPrompt(WITHOUT_SYSTEM, { text: 'x' }, [], tok.chatTemplate).text, 'D:Review: x\n\nIs it positive?');
      assert.strictEqual(renderPrompt(named, { text: 'x' }, [], tok.chatTemplate).text, 'S:x<|im_end|>');
      writeFileSync(join(model, 'chat_template.jinja'), 'J:{{ messages[0].content }}');
      tok = await loadTokenizer(model);
      assert.strictEqual(renderPrompt(WITHOUT_SYSTEM, { text: 'x' }, [], tok.chatTemplate).text, 'J:Review: x\n\nIs it positive?');
    });
  });
});
