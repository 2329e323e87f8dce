/**
 * The results table and the per-label table are defined once (src/bench/report/table.ts): report.md, report.html,
 * the Studio's Benchmark view and the CLI (`ptune bench`, `ptune eval`) each show exactly the model's headers and
 * cells, in its order. Each rendering is parsed back independently here, so a column added to the model (or one
 * rendering going its own way) fails the test. The Studio's DOM is built by `tableTree` with its `el` as the
 * element factory; mocha has no DOM, so the same call is made here with a factory that records the tree.
 */
import * as assert from 'assert';
import { renderHtml } from '../../src/bench/report/html';
import { renderMarkdown } from '../../src/bench/report/markdown';
import type { BenchReport } from '../../src/bench/report/schema';
import { perClassTable, resultsTable, tableTexts, tableTree, type ElementFactory, type TableModel } from '../../src/bench/report/table';
import { printBenchResult } from '../../src/cli/commands/bench';
import { printEvalResult } from '../../src/cli/commands/eval';
import type { CliIo } from '../../src/cli/io';
import { GENERATION_METRICS } from '../../src/eval/metrics';
import { HOSTILE_NAME, sampleGenerationReport, sampleReport } from './sample-report';

/** Header row then body rows, as plain text. */
type Grid = string[][];

function expected(t: TableModel): Grid {
  const { header, rows } = tableTexts(t);
  return [header, ...rows];
}

/** Every GFM table whose header row starts with `first`, cells split on unescaped pipes and unescaped. */
function markdownTables(md: string, first: string): Grid[] {
  const lines = md.split('\n');
  const unescape = (cell: string) => cell.trim().replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const tables: Grid[] = [];
  lines.forEach((line, start) => {
    if (!line.startsWith(`| ${first} |`)) return;
    assert.match(lines[start + 1], /^\| (:---|---:)( \| (:---|---:))* \|$/);
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
    tables.push([line, ...lines.slice(start + 2, end)].map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map(unescape)));
  });
  return tables;
}

/** The results table: the first table under "## Results" (a generation report's output tables also start with Prompt). */
function parseMarkdown(md: string): Grid {
  const tables = markdownTables(md.slice(md.indexOf('\n## Results\n')), 'Prompt');
  assert.ok(tables.length > 0, 'no results table in report.md');
  return tables[0];
}

/** The cells of every <table class="…"> in report.html, tags stripped and entities decoded. */
function htmlTables(html: string, className: string): Grid[] {
  const text = (cell: string) => cell.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return [...html.matchAll(new RegExp(`<table class="${className}">([\\s\\S]*?)</table>`, 'g'))].map((table) =>
    [...table[1].matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1]))));
}

function parseHtml(html: string): Grid {
  const tables = htmlTables(html, 'results');
  assert.strictEqual(tables.length, 1, 'one results table in report.html');
  return tables[0];
}

/** A terminal table (src/cli/table.ts) whose header line starts with `first`: column spans from the dashed rule under it. */
function parseCli(stdout: string, first = 'Prompt'): Grid {
  const lines = stdout.split('\n');
  const head = lines.findIndex((l) => l.startsWith(`${first} `));
  assert.ok(head >= 0, `no table headed ${first}: ${stdout}`);
  const spans = [...lines[head + 1].matchAll(/-+/g)].map((m) => [m.index!, m.index! + m[0].length]);
  assert.ok(spans.length > 0 && /^[- ]+$/.test(lines[head + 1]), `no rule under the header: ${lines[head + 1]}`);
  const end = lines.indexOf('', head + 2);
  return [lines[head], ...lines.slice(head + 2, end)].map((l) => spans.map(([a, b]) => Array.from(l).slice(a, b).join('').trim()));
}

function cliOutput(report: BenchReport, terminal?: { columns: number }): string {
  let stdout = '';
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t), ...(terminal ? { isTTY: true, columns: terminal.columns } : {}) }, stderr: { write: () => undefined }, env: {} };
  const files = { json: 'out/report.json', markdown: 'out/report.md', html: 'out/report.html' };
  printBenchResult(io, 'out', { report, files, cacheHits: 0, cacheMisses: 1 }, false);
  return stdout;
}

interface Node {
  tag: string;
  attrs: Readonly<Record<string, string>>;
  children: (Node | string)[];
}

/** The tree the Studio's Benchmark view builds (webview/views/benchmark.ts passes its DOM `el` as the factory). */
function webviewTree(t: TableModel): Node {
  const factory: ElementFactory<Node> = (tag, attrs, children) => ({ tag, attrs, children: [...children] });
  return tableTree(t, factory, { id: 'results-table', class: 'data' });
}

function textOf(n: Node | string): string {
  return typeof n === 'string' ? n : n.children.map(textOf).join('');
}

function parseTree(tree: Node): Grid {
  const rows: Node[] = [];
  const walk = (n: Node) => (n.tag === 'tr' ? rows.push(n) : n.children.forEach((c) => typeof c !== 'string' && walk(c)));
  walk(tree);
  return rows.map((r) => r.children.map(textOf));
}

const reports: [string, () => BenchReport][] = [
  ['classification', () => sampleReport().report],
  ['generation', sampleGenerationReport],
];

describe('bench/report/table: one model per table, four renderings', () => {
  for (const [task, make] of reports) {
    describe(`a ${task} report`, () => {
      const report = make();
      const model = resultsTable(report);
      const want = expected(model);

      it('has one row per prompt and every cell filled', () => {
        assert.strictEqual(model.rows.length, report.prompts.length);
        assert.deepStrictEqual(model.rows.map((r) => r.id), report.prompts.map((p) => p.id));
        for (const row of model.rows) {
          assert.strictEqual(row.cells.length, model.columns.length);
          for (const c of row.cells) assert.ok(c.text.length > 0, JSON.stringify(row));
        }
      });

      it('report.md shows exactly its headers and cells', () => assert.deepStrictEqual(parseMarkdown(renderMarkdown(report)), want));
      it('report.html shows exactly its headers and cells', () => assert.deepStrictEqual(parseHtml(renderHtml(report)), want));
      it('ptune bench prints exactly its headers and cells', () => assert.deepStrictEqual(parseCli(cliOutput(report)), want));
      it('the Studio builds exactly its headers and cells', () => assert.deepStrictEqual(parseTree(webviewTree(model)), want));

      it('every rendering carries its notes', () => {
        assert.ok(model.notes.length >= 2, JSON.stringify(model.notes));
        const cli = cliOutput(report);
        const html = renderHtml(report);
        const md = renderMarkdown(report);
        const tree = webviewTree(model);
        for (const note of model.notes) {
          assert.ok(cli.includes(`\n${note}\n`), `ptune bench lacks: ${note}`);
          assert.ok(html.includes(`<p>${note.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</p>`), `report.html lacks: ${note}`);
          assert.ok(md.split('\n').some((l) => l.replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') === note), `report.md lacks: ${note}`);
        }
        assert.ok(tree.tag === 'table' && tree.attrs.id === 'results-table');
      });
    });
  }

  it('takes its metric columns from the report\'s task (generation: the one metric list)', () => {
    const classification = resultsTable(sampleReport().report).columns.map((c) => c.header);
    const generation = resultsTable(sampleGenerationReport()).columns.map((c) => c.header);
    const cost = ['Length', 'Trainable params', 'Tuning time', 'ex/s', 'p50 / p95 latency'];
    assert.deepStrictEqual(classification, ['Prompt', 'Kind', 'Accuracy [95% CI]', 'Macro-F1', 'ECE', ...cost]);
    assert.deepStrictEqual(generation, ['Prompt', 'Kind', ...GENERATION_METRICS.map((m) => `${m.name} [95% CI]`), ...cost]);
  });

  it('marks the best value of each metric column (lowest ECE), and nothing with a single prompt', () => {
    const { report } = sampleReport();
    const model = resultsTable(report);
    const column = (id: string) => model.columns.findIndex((c) => c.id === id);
    const bestOf = (id: string) => model.rows.filter((r) => r.cells[column(id)].best).map((r) => r.id);
    const by = (f: (p: BenchReport['prompts'][number]) => number, lowest = false) => {
      const values = report.prompts.map(f);
      const target = lowest ? Math.min(...values) : Math.max(...values);
      return report.prompts.filter((p) => f(p) === target).map((p) => p.id);
    };
    assert.deepStrictEqual(bestOf('accuracy'), by((p) => p.metrics!.accuracy));
    assert.deepStrictEqual(bestOf('ece'), by((p) => p.metrics!.ece, true));
    assert.deepStrictEqual(bestOf('length'), [], 'cost columns are not ranked');
    const html = renderHtml(report);
    const best = model.rows.find((r) => r.cells[column('accuracy')].best)!.cells[column('accuracy')].text;
    assert.ok(html.includes(`<td class="num"><strong>${best}</strong></td>`), 'report.html does not bold the best accuracy');
    const single = resultsTable({ ...report, prompts: report.prompts.slice(0, 1) });
    assert.ok(single.rows[0].cells.every((c) => !c.best));
  });

  it('shows prompt names literally: escaped in report.md and report.html, text in the Studio', () => {
    const { report } = sampleReport();
    const html = renderHtml(report);
    const table = /<table class="results">[\s\S]*?<\/table>/.exec(html)![0];
    assert.ok(!table.includes('<script>') && table.includes('&lt;/script&gt;&lt;script&gt;'), 'a name became markup in report.html');
    const md = renderMarkdown(report);
    assert.ok(md.split('\n').some((l) => l.startsWith('| &lt;/script&gt;&lt;script&gt;alert("name")&lt;/script&gt; | hard |')), 'a name became markup in report.md');
    const row = parseTree(webviewTree(resultsTable(report))).find((r) => r[0] === HOSTILE_NAME);
    assert.ok(row, 'the Studio does not show the name as text');
    // A name with a pipe stays in its cell.
    const generation = parseMarkdown(renderMarkdown(sampleGenerationReport()));
    assert.strictEqual(generation[1][0], 'quiz | <b>answer</b>');
  });

  it('the per-label table: report.md, report.html, the Studio and ptune eval show exactly its headers and cells', () => {
    const { report } = sampleReport();
    const want = report.prompts.map((p) => expected(perClassTable(p.metrics!.perClass)));
    assert.deepStrictEqual(want[0][0], ['Label', 'Precision', 'Recall', 'F1', 'Support']);
    assert.deepStrictEqual(markdownTables(renderMarkdown(report), 'Label'), want);
    assert.deepStrictEqual(htmlTables(renderHtml(report), 'compact'), want);
    assert.deepStrictEqual(report.prompts.map((p) => parseTree(webviewTree(perClassTable(p.metrics!.perClass)))), want);
    for (const [k, p] of report.prompts.entries()) {
      let stdout = '';
      const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => undefined }, env: {} };
      const m = p.metrics!;
      printEvalResult(io, { n: 240, labels: m.labels, accuracy: m.accuracy, macroF1: m.macroF1, perClass: m.perClass, confusion: m.confusion, ece: m.ece, seconds: 1, examplesPerSecond: 240, truncatedRows: 0, warnings: [] }, false);
      assert.deepStrictEqual(parseCli(stdout, 'Label'), want[k]);
    }
  });

  it('a narrow terminal loses the secondary columns (last first) and says so; a pipe or a wide terminal gets them all', () => {
    const { report } = sampleReport();
    const model = resultsTable(report);
    const all = expected(model);
    const secondary = model.columns.filter((c) => c.secondary).map((c) => c.header);
    assert.deepStrictEqual(secondary, ['Length', 'Trainable params', 'p50 / p95 latency']);
    const widest = Math.max(...cliOutput(report).split('\n').slice(0, all.length + 1).map((l) => [...l].length));
    assert.deepStrictEqual(parseCli(cliOutput(report, { columns: widest })), all, 'a terminal as wide as the table keeps every column');
    const narrow = cliOutput(report, { columns: widest - 1 });
    const shown = parseCli(narrow);
    assert.deepStrictEqual(shown[0], all[0].filter((h) => h !== 'p50 / p95 latency'), 'one column too wide: only the last secondary one goes');
    assert.match(narrow, /\(p50 \/ p95 latency: left out to fit the terminal; the report has them\)/);
    const tiny = parseCli(cliOutput(report, { columns: 40 }));
    assert.deepStrictEqual(tiny[0], all[0].filter((h) => !secondary.includes(h)), 'never narrower than the primary columns');
    assert.deepStrictEqual(tiny.slice(1), all.slice(1).map((row) => row.filter((_, c) => !model.columns[c].secondary)));
  });
});
