/** Visible whitespace in token strings and the plain-text table for the CLI. */
import { strict as assert } from 'node:assert';
import { formatProjection, visibleToken, type ProjectionResult } from '../../src/projection';
import { shortNumber } from '../../src/projection/format';

describe('projection: visible token strings', () => {
  it('shows space, newline and tab as ·, ↵ and →, and keeps other text verbatim', () => {
    assert.equal(visibleToken(' great'), '·great');
    assert.equal(visibleToken('\n\n'), '↵↵');
    assert.equal(visibleToken('\tx y'), '→x·y');
    assert.equal(visibleToken('<b>&amp;</b>'), '<b>&amp;</b>');
    assert.equal(visibleToken('é中🙂'), 'é中🙂');
  });

  it('escapes controls, zero-width and bidi characters, odd spaces and the stand-ins themselves', () => {
    assert.equal(visibleToken('\r\u0000\u001b[31m'), '\\u000D\\u0000\\u001B[31m');
    assert.equal(visibleToken('a\u200bb\u202ec'), 'a\\u200Bb\\u202Ec');
    assert.equal(visibleToken('\u00a0\u3000'), '\\u00A0\\u3000');
    assert.equal(visibleToken('·↵→'), '\\u00B7\\u21B5\\u2192');
    assert.equal(visibleToken('\u{e0041}\ud800'), '\\u{E0041}\\uD800');
  });
});

describe('projection: text table', () => {
  const result: ProjectionResult = {
    metric: 'cosine',
    topK: 2,
    numVirtual: 2,
    hiddenSize: 4,
    vocabSize: 100,
    manifold: { distance: 'cosine', sampleSize: 100, p5: 0.05, median: 0.2, p95: 0.41 },
    tokens: [
      { index: 0, neighbors: [{ id: 5, token: ' great', display: '·great', score: 1 }, { id: 9, token: '\x1b[2J', display: '', score: 0.51234 }], nearestDistance: 0, percentile: 0 },
      { index: 1, neighbors: [{ id: 7, token: '\n', display: '↵', score: 0.123456 }, { id: 3, token: 'a', display: 'a', score: -0.5 }], nearestDistance: 0.876544, percentile: 97.5 },
    ],
    projectedIds: [5, 7],
    projectedText: ' great\n',
  };

  it('lists each virtual token with percentile, distance and neighbours, then the hard prompt', () => {
    assert.equal(
      formatProjection(result),
      [
        'Nearest vocabulary tokens of 2 virtual tokens (metric cosine, top 2, vocabulary 100)',
        '',
        '#  percentile  cosine distance  nearest tokens (cosine similarity)',
        '-  ----------  ---------------  ----------------------------------',
        '0         0.0                0  ·great (1)  \\u001B[2J (0.5123)',
        '1        97.5           0.8765  ↵ (0.1235)  a (-0.5)',
        '',
        'percentile: share of 100 sampled vocabulary tokens whose own nearest neighbour is nearer than the virtual token\'s nearest token',
        '  (their cosine distances: 5% 0.05, median 0.2, 95% 0.41; 0 = on an embedding row)',
        'projected hard prompt (2 tokens): ·great↵',
        'projected ids: 5 7',
      ].join('\n'),
    );
  });

  it('writes numbers in four significant digits', () => {
    assert.equal(shortNumber(12.34567), '12.35');
    assert.equal(shortNumber(0.000012345), '1.23e-5');
    assert.equal(shortNumber(0), '0');
    assert.equal(shortNumber(-1234.5), '-1235');
    assert.equal(shortNumber(2e7), '2.00e+7');
  });
});
