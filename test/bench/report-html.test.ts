/**
 * report.html in a real browser (Debian's headless Chromium driven by playwright-core): no network, no console
 * errors or CSP violations, charts drawn, hostile text shown literally, both colour schemes. Screenshots go to
 * test-results/report-html*.png for a human look.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { chromium, type Browser } from 'playwright-core';
import { writeReports } from '../../src/bench/report/write';
import { HOSTILE_LABEL, HOSTILE_NAME, sampleReport } from './sample-report';

// The page functions below run in the browser; the project compiles without the DOM library.
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const CHROMIUM = '/usr/bin/chromium';
const RESULTS_DIR = path.resolve(__dirname, '../../../test-results');

describe('bench/report.html in headless Chromium', function () {
  this.timeout(60000);
  let browser: Browser | undefined;
  let dir: string;
  let fileUrl: string;
  const { report } = sampleReport();

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium)`);
      console.log(`      ⚠ skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-html-'));
    fileUrl = pathToFileURL(writeReports(dir, report).html).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`renders in the ${colorScheme} scheme with no requests, errors or script injection`, async () => {
      const page = await browser!.newPage({ viewport: { width: 1280, height: 900 }, colorScheme });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      page.on('request', (r) => {
        if (r.url() !== fileUrl) requests.push(r.url());
      });
      await page.route('**/*', (route) => (route.request().url() === fileUrl ? route.continue() : route.abort()));
      await page.goto(fileUrl, { waitUntil: 'load' });

      const state = await page.evaluate(() => {
        const inked = (canvas: { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }) => {
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
          return n;
        };
        return {
          canvases: [...document.querySelectorAll('canvas')].map((c: any) => ({ id: c.id, width: c.width, inked: inked(c) })),
          images: document.querySelectorAll('img').length,
          scripts: document.querySelectorAll('script').length,
          confusionHeaders: [...document.querySelectorAll('table.confusion thead th')].map((th: any) => th.textContent as string),
          cardTitles: [...document.querySelectorAll('.prompt-card h3')].map((h: any) => h.textContent as string),
          embedded: JSON.parse(document.getElementById('report-data').textContent),
          background: getComputedStyle(document.body).backgroundColor,
          csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]').getAttribute('content') as string,
        };
      });

      assert.deepStrictEqual(problems, []);
      assert.deepStrictEqual(requests, [], 'the report must not load anything');
      assert.deepStrictEqual(state.canvases.map((c: { id: string }) => c.id), ['accuracy-chart', 'curve-chart']);
      for (const c of state.canvases as { id: string; width: number; inked: number }[]) assert.ok(c.width > 100 && c.inked > 2000, `${c.id} looks empty: ${JSON.stringify(c)}`);
      assert.strictEqual(state.images, 0, 'a label became an <img>');
      assert.strictEqual(state.scripts, 3, 'only the data block, Chart.js and the report script');
      assert.ok(state.confusionHeaders.includes(HOSTILE_LABEL), `label not shown literally: ${JSON.stringify(state.confusionHeaders)}`);
      assert.ok(state.cardTitles.some((t: string) => t.includes(HOSTILE_NAME)), 'prompt name not shown literally');
      assert.deepStrictEqual(state.embedded, JSON.parse(JSON.stringify(report)));
      assert.match(state.csp, /^default-src 'none'; script-src 'sha256-[^']+' 'sha256-[^']+'; style-src 'sha256-[^']+';/);
      assert.strictEqual(state.background, colorScheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(246, 247, 249)');

      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS_DIR, colorScheme === 'light' ? 'report-html.png' : 'report-html-dark.png'), fullPage: true });
      await page.close();
    });
  }

  it('blocks a script that escaping let through (the CSP admits only the hashed inline scripts)', async () => {
    const html = fs.readFileSync(new URL(fileUrl), 'utf8').replace('<main>', '<main><script>document.title = "injected"</script>');
    const file = path.join(dir, 'tampered.html');
    fs.writeFileSync(file, html);
    const page = await browser!.newPage();
    const violations: string[] = [];
    page.on('console', (m) => m.type() === 'error' && violations.push(m.text()));
    await page.goto(pathToFileURL(file).href);
    assert.notStrictEqual(await page.title(), 'injected');
    assert.ok(violations.some((v) => v.includes('Content Security Policy')), violations.join('\n'));
    await page.close();
  });
});
