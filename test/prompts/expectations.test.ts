/** The expect: syntax (prompt tests): what it accepts, where its errors point, and how conditions are judged. */
import * as assert from 'node:assert/strict';
import { checkExpectation, checkPromptText, describeExpectation, expectationData, expectationTrain, parsePromptFile, type Expectation } from '../../src/prompts';

const classification = (...expect: string[]): string =>
  ['---', 'inputs: [text]', 'labels:', '  negative: " bad"', '  positive: " good"', ...expect, '---', 'Review: {{ text }} It was', ''].join('\n');
const generation = (...expect: string[]): string =>
  ['---', 'task: generation', 'inputs: [q]', 'target_column: a', ...expect, '---', 'Q: {{ q }} A:', ''].join('\n');

describe('prompt tests: the expect: setting', () => {
  it('one mapping, or a list; data, limit and conditions; each test knows its line', () => {
    const one = parsePromptFile(classification('expect: {data: dev.jsonl, accuracy: ">= 0.7"}'), 'p.prompt');
    assert.deepEqual(one.expectations, [{ data: 'dev.jsonl', conditions: [{ metric: 'accuracy', comparison: '>=', threshold: 0.7 }], line: 6 }]);
    const list = parsePromptFile(classification('expect:', '  - data: dev.jsonl', '    accuracy: "> .5"', '    ece: "< 0.1"',
      '  - data: ../test.csv', '    limit: 200', '    macro_f1: ">= 6.5e-1"'), 'p.prompt');
    assert.deepEqual(list.expectations, [
      { data: 'dev.jsonl', conditions: [{ metric: 'accuracy', comparison: '>', threshold: 0.5 }, { metric: 'ece', comparison: '<', threshold: 0.1 }], line: 7 },
      { data: '../test.csv', limit: 200, conditions: [{ metric: 'macro_f1', comparison: '>=', threshold: 0.65 }], line: 10 },
    ]);
    assert.equal(parsePromptFile(classification(), 'p.prompt').expectations, undefined);
    const gen = parsePromptFile(generation('expect: {data: qa.jsonl, exact_match: ">= 0.2", rouge_l: ">= 0.4"}'), 'g.prompt');
    assert.deepEqual(gen.expectations?.[0].conditions.map((c) => c.metric), ['exact_match', 'rouge_l']);
  });

  it('each mistake is one error at the entry or value it is about', () => {
    const errors = (text: string) => checkPromptText(text, 'p.prompt').filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column} ${d.message}`);
    assert.deepEqual(errors(classification('expect:', '  data: dev.jsonl', '  accuracy: 0.7')),
      ['8:13 expect: accuracy must be a comparison in quotes, e.g. accuracy: ">= 0.7" (one of >= > <= < and a number)']);
    assert.deepEqual(errors(classification('expect: {data: dev.jsonl, accuracy: "= 0.7"}')).length, 1);
    assert.deepEqual(errors(classification('expect: {data: dev.jsonl, rouge_l: ">= 0.7"}')),
      ['6:27 expect: rouge_l is a metric of task: generation prompts; this one can use accuracy, macro_f1, ece']);
    assert.deepEqual(errors(generation('expect: {data: qa.jsonl, accuracy: ">= 0.7"}')),
      ['5:26 expect: accuracy is a metric of task: classification prompts; this one can use exact_match, contains, token_f1, rouge_l']);
    assert.deepEqual(errors(classification('expect: {data: dev.jsonl, acuracy: ">= 0.7"}')),
      ['6:27 expect: unknown key "acuracy"; an entry has data, optionally limit and train, and conditions on accuracy, macro_f1, ece']);
    assert.deepEqual(errors(classification('expect: {accuracy: ">= 0.7"}')), ['6:9 expect: an entry needs data (the dataset to evaluate on)']);
    assert.deepEqual(errors(classification('expect: {data: dev.jsonl}')), ['6:9 expect: an entry needs at least one condition, e.g. accuracy: ">= 0.7"']);
    assert.deepEqual(errors(classification('expect: {data: dev.jsonl, limit: 0, accuracy: ">= 0"}')), ['6:34 expect: limit must be a whole number ≥ 1 (rows sampled from data)']);
    assert.deepEqual(errors(classification('expect: dev.jsonl')), ['6:9 expect must be a mapping like {data: dev.jsonl, accuracy: ">= 0.7"} or a list of them']);
    assert.deepEqual(errors(classification('expect: []')), ['6:9 expect lists no tests']);
  });

  it('conditions are judged with their comparison, boundary included or not', () => {
    const test = (comparison: string, threshold: number): Expectation => ({ data: 'd', conditions: [{ metric: 'accuracy', comparison: comparison as '>=', threshold }], line: 1 });
    const metrics = { n: 10, accuracy: 0.7, macroF1: 0.6, ece: 0.05 };
    assert.equal(checkExpectation(test('>=', 0.7), metrics).passed, true);
    assert.equal(checkExpectation(test('>', 0.7), metrics).passed, false);
    assert.equal(checkExpectation(test('<=', 0.7), metrics).passed, true);
    assert.equal(checkExpectation(test('<', 0.7), metrics).passed, false);
    assert.deepEqual(checkExpectation(test('>', 0.7), metrics).lines, ['accuracy 0.700 is not > 0.7']);
    const both: Expectation = { data: 'd', conditions: [{ metric: 'accuracy', comparison: '>=', threshold: 0.5 }, { metric: 'ece', comparison: '<', threshold: 0.01 }], line: 1 };
    assert.deepEqual(checkExpectation(both, metrics), { passed: false, lines: ['accuracy 0.700 >= 0.5', 'ece 0.050 is not < 0.01'] });
    const rouge: Expectation = { data: 'd', conditions: [{ metric: 'rouge_l', comparison: '>=', threshold: 0.1 }], line: 1 };
    assert.deepEqual(checkExpectation(rouge, metrics), { passed: false, lines: ['rouge_l not measured is not >= 0.1'] });
    assert.equal(checkExpectation(rouge, { ...metrics, task: 'generation', generation: { exactMatch: 0, contains: 0, tokenF1: 0, rougeL: 0.25 } }).passed, true);
  });

  it('data is relative to the prompt file; the test is named by its conditions', () => {
    const [expectation] = parsePromptFile(classification('expect: {data: data/dev.jsonl, limit: 50, accuracy: ">= 0.7"}'), '/w/prompts/p.prompt').expectations!;
    assert.equal(expectationData('/w/prompts/p.prompt', expectation), '/w/prompts/data/dev.jsonl');
    assert.equal(expectationData('/w/prompts/p.prompt', { ...expectation, data: '/abs/d.jsonl' }), '/abs/d.jsonl');
    assert.equal(describeExpectation(expectation), 'accuracy >= 0.7 on data/dev.jsonl (50 rows)');
    assert.equal(expectationTrain('/w/prompts/p.prompt', expectation), undefined);
    const [withTrain] = parsePromptFile(classification('shots: 1', 'expect: {data: dev.jsonl, train: ../train.jsonl, accuracy: ">= 0"}'), '/w/prompts/p.prompt').expectations!;
    assert.equal(expectationTrain('/w/prompts/p.prompt', withTrain), '/w/train.jsonl');
  });
});
