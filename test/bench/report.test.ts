import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isUserError } from '../../src/engine/errors';
import { renderMarkdown, inline, code, fenced } from '../../src/bench/report/markdown';
import { parseReport, readReport } from '../../src/bench/report/parse';
import { writeReports } from '../../src/bench/report/write';
import { HOSTILE_LABEL, HOSTILE_NAME, sampleReport } from './sample-report';
import type { Comparison } from '../../src/bench/report/schema';

describe('bench/report', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-report-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('report.json', () => {
    it('round-trips through writeReports and readReport unchanged', () => {
      const { report } = sampleReport();
      const files = writeReports(dir, report);
      assert.deepStrictEqual(readReport(files.json), report);
      assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['report.html', 'report.json', 'report.md']);
    });

    it('names the file and field of a malformed report', () => {
      const { report } = sampleReport();
      const broken = JSON.parse(JSON.stringify(report));
      broken.prompts[2].metrics.accuracy = 'high';
      assert.throws(
        () => parseReport(JSON.stringify(broken), 'out/report.json'),
        (e: Error) => isUserError(e) && e.message === 'out/report.json: field prompts[2].metrics.accuracy must be a finite number, got string "high"',
      );
      delete broken.prompts[2].metrics.accuracy;
      assert.throws(() => parseReport(JSON.stringify(broken), 'r.json'), /r\.json: field prompts\[2\]\.metrics\.accuracy must be a finite number, got nothing \(missing\)/);
    });

    it('refuses another schema version and a confusion matrix of the wrong size', () => {
      const { report } = sampleReport();
      assert.throws(() => parseReport(JSON.stringify({ ...report, schemaVersion: 3 }), 'r.json'), /r\.json: field schemaVersion must be one of 1, 2 .* got 3/);
      const broken = JSON.parse(JSON.stringify(report));
      broken.prompts[0].metrics.confusion.pop();
      assert.throws(() => parseReport(JSON.stringify(broken), 'r.json'), /field prompts\[0\]\.metrics\.confusion has 2 rows for 3 labels/);
      assert.throws(() => parseReport('{"schemaVersion": 1,', 'r.json'), /r\.json is not valid JSON/);
    });
  });

  describe('report.md', () => {
    const { report } = sampleReport();
    const md = renderMarkdown(report);
    const lines = md.split('\n');

    it('has the main table with one row per prompt and every column', () => {
      const header = lines.indexOf('| Prompt | Kind | Accuracy [95% CI] | Macro-F1 | ECE | Length | Trainable params | Tuning time | ex/s | p50 / p95 latency |');
      assert.ok(header > 0, md);
      const rows = lines.slice(header + 2, header + 2 + report.prompts.length);
      const soft = report.prompts[2];
      const ci = soft.metrics!.accuracyCI;
      assert.strictEqual(
        rows[2],
        `| soft prompt · seed 0 | soft | ${(100 * soft.metrics!.accuracy).toFixed(1)}% [${(100 * ci.low).toFixed(1)}, ${(100 * ci.high).toFixed(1)}] | ${soft.metrics!.macroF1.toFixed(3)} | ${soft.metrics!.ece.toFixed(3)} | 20 virtual | 5,120 | 1 min 16 s | 209 | 6.5 / 10.1 ms |`,
      );
      assert.ok(rows[0].startsWith('| sentiment (zero-shot) | hard | ') && rows[0].includes('| 14 tokens | 0 | — |'), rows[0]);
      assert.strictEqual(lines[header + 2 + report.prompts.length], '');
    });

    it('states the McNemar comparison and the seed aggregate', () => {
      const c = report.comparison as Comparison;
      assert.ok(md.includes(`McNemar, best soft (soft prompt · seed 0) vs best hard (sentiment (zero-shot)): b = ${c.b} (only soft right), c = ${c.c} (only hard right), χ² = ${c.statistic.toFixed(3)} (continuity-corrected), p = ${c.pValue.toFixed(4)}`), md);
      assert.match(md, /Soft prompts across seeds: accuracy \d+\.\d ± \d+\.\d% \(2 seeds\)/);
    });

    it('puts each projection\'s accuracy next to its soft prompt\'s, with the gap and why it matters', () => {
      const soft = report.prompts.find((p) => p.id === 'soft:seed-0')!;
      const projection = report.prompts.find((p) => p.id === 'projection:seed-0')!;
      const gap = 100 * (soft.metrics!.accuracy - projection.metrics!.accuracy);
      assert.ok(md.includes(`**projection · seed 0** (from soft prompt · seed 0): accuracy: soft ${(100 * soft.metrics!.accuracy).toFixed(1)}% → projection ${(100 * projection.metrics!.accuracy).toFixed(1)}% (gap ${gap.toFixed(1)} points):`), md);
      assert.ok(md.includes('prompt waywardness'));
    });

    it('has per-class and confusion tables for every prompt', () => {
      const p = report.prompts[0];
      const escaped = inline(HOSTILE_LABEL);
      assert.ok(md.includes(`| negative | ${p.metrics!.perClass[0].precision.toFixed(3)} | ${p.metrics!.perClass[0].recall.toFixed(3)} | ${p.metrics!.perClass[0].f1.toFixed(3)} | ${p.metrics!.perClass[0].support} |`));
      assert.ok(md.includes(`| gold \\\\ predicted | negative | positive | ${escaped} |`));
      assert.ok(md.includes(`| **negative** | ${p.metrics!.confusion[0].join(' | ')} |`));
      assert.strictEqual(md.split('| gold \\\\ predicted |').length - 1, report.prompts.length);
    });

    it('escapes names, labels and texts so nothing renders as HTML or breaks a table', () => {
      assert.ok(!md.includes('<img') && !md.includes('<script'), 'raw HTML leaked into report.md');
      assert.ok(md.includes('&lt;img src=x onerror=alert(1)&gt;'));
      assert.strictEqual(inline('a|b*c_d`e[f]\\g\nh<i>&'), 'a\\|b\\*c\\_d\\`e\\[f\\]\\\\g h&lt;i&gt;&amp;');
      assert.strictEqual(code('a `b` c'), '``a `b` c``');
      assert.deepStrictEqual(fenced('x ```` y'), ['`````text', 'x ```` y', '`````']);
      assert.ok(md.includes(`**${inline(HOSTILE_NAME)}**`) || md.includes(`### ${inline(HOSTILE_NAME)}`));
    });
  });
});
