import * as assert from 'node:assert/strict';
import { containsMatch, exactMatch, normalizeAnswer, predictIndex, predictLabel, scoreGeneration, tokenF1 } from '../../src/prompts';

describe('generation metrics (SQuAD-style)', () => {
  it('normalises case, punctuation, articles and whitespace', () => {
    assert.equal(normalizeAnswer('  The  Eiffel-Tower!  '), 'eiffel tower');
    assert.equal(normalizeAnswer('An apple, a day'), 'apple day');
  });

  it('exact match compares normalised answers', () => {
    assert.equal(exactMatch('The Paris.', 'paris'), 1);
    assert.equal(exactMatch('Paris, France', 'Paris'), 0);
  });

  it('contains match looks for the gold words inside the prediction', () => {
    assert.equal(containsMatch('I think it is Paris, France.', 'paris'), 1);
    assert.equal(containsMatch('Parisian food', 'Paris'), 0);
    assert.equal(containsMatch('', 'the'), 1);
  });

  it('token F1 matches hand-computed values', () => {
    // pred words: [cat, sat, on, mat]; gold: [cat, on, mat, today]; overlap 3 -> P 3/4, R 3/4.
    assert.equal(tokenF1('the cat sat on the mat', 'cat on mat today'), 0.75);
    // Repeated words count once per occurrence in gold: overlap min(3,1) = 1 -> P 1/3, R 1/1 -> F1 0.5.
    assert.equal(tokenF1('yes yes yes', 'yes'), 0.5);
    assert.equal(tokenF1('nothing alike', 'different words'), 0);
    assert.equal(tokenF1('', ''), 1);
    assert.equal(tokenF1('the', 'a'), 1);
    assert.equal(tokenF1('x', ''), 0);
  });

  it('scores all four at once', () => {
    assert.deepEqual(scoreGeneration('Paris', 'paris'), { exact: 1, contains: 1, f1: 1, rougeL: 1 });
    // "in paris france" vs "paris": contains, F1 = 2·(1/3)·1/(4/3) = 1/2, ROUGE-L the same here.
    assert.deepEqual(scoreGeneration('In Paris, France', 'Paris'), { exact: 0, contains: 1, f1: 0.5, rougeL: 0.5 });
  });
});

describe('classification prediction', () => {
  it('picks the highest summed log-probability; ties go to the first label; NaN never wins', () => {
    assert.equal(predictIndex([-3.2, -1.5, -7]), 1);
    assert.equal(predictIndex([-2, -2]), 0);
    assert.equal(predictIndex([NaN, -9]), 1);
    assert.equal(predictLabel([-5, -4], ['negative', 'positive']), 'positive');
  });
});
