// The e2e scenarios, in order (later ones use what earlier ones leave: the chosen datasets, the trained prompt).
// Each takes a screenshot under test-results/ and throws on failure.
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from './codeServer.mjs';
import { Workbench } from './workbench.mjs';

export const PROMPT = 'examples/sst2-overall.prompt';
export const XSS_TEXT = '<img src=x onerror=alert(1)>';
/** The model the loopback hub serves (the shared tiny Llama), for the Select Model scenario. */
export const HUB_MODEL_ID = 'ptune-e2e/tiny-llama';
/** A short generation prompt with a three-row dataset (data/verdicts.jsonl), written by run.mjs for the generation scenarios. */
export const GENERATION_E2E_PROMPT = 'verdict-e2e.prompt';

/**
 * @typedef {{ wb: import('./workbench.mjs').Workbench, out: string, log: (m: string) => void, runDir: string, model: string,
 *   browser: import('playwright-core').BrowserContext, folderUrl: (folder: string) => string,
 *   startServer: (o: { folder: string, trust?: boolean }) => Promise<{ url: string, stop: () => Promise<void> }> }} Env
 */

/**
 * Earlier scenarios leave many editor groups (and maybe a panel) open, which can push the Studio off screen:
 * a scenario that opens the Studio anew starts from a window with no editors.
 */
async function clearWindow(wb) {
  await wb.runCommand('View: Close All Editor Groups', { attempts: 5 });
  await wb.runCommand('View: Hide Panel', { attempts: 3 }).catch(() => undefined); // absent when no panel is shown
}

/** Opens the e2e prompt and the prompt view, and chooses `dev` as its dev dataset from the palette (the role first, then the file). */
async function selectDevDataset(wb, dev) {
  await wb.openFile(PROMPT);
  await wb.runCommand('View: Show Prompt Tuning');
  await wb.runCommand('Prompt Tuning: Select Dataset…');
  await wb.answerQuickPick('which role?', 'Dev');
  await wb.answerQuickPick('Which dev dataset for sst2-overall.prompt', dev);
  return wb.webview('sidebar');
}

/** @type {{ name: string, needsReport?: boolean, needsGenerationFixtures?: boolean, run: (env: Env) => Promise<void> }[]} */
export const scenarios = [
  {
    name: 'diagnostic while typing, then ▶ Test shows a prediction inline',
    async run({ wb, out, log }) {
      await wb.openFile(PROMPT);
      await wb.until('the CodeLens above the body', () => wb.page.locator('.codelens-decoration a', { hasText: '▶ Test' }).count(), (n) => n > 0, { timeout: 90_000 });
      // A deliberate error: a variable the prompt does not list in `inputs`.
      // The body line, not the description line that quotes it.
      const bodyLine = ['Overall, the movie was', 'summary'];
      await wb.cursorToEndOfLine(...bodyLine);
      const typo = ' {{ txet }}';
      await wb.page.keyboard.type(typo);
      await wb.until('an error squiggle', () => wb.errorSquiggles(), (n) => n > 0, { timeout: 30_000 });
      // Go to Next Problem (F8) opens the marker widget under the line with the message. Validation is
      // debounced, so an early F8 can show a problem of a half-typed state: close it and look again.
      const message = await wb.until('the problem widget about "txet"', async () => {
        await wb.page.keyboard.press('Escape');
        await wb.page.keyboard.press('F8');
        await sleep(700);
        const widget = wb.page.locator('.marker-widget');
        return (await widget.count()) > 0 ? (await widget.first().textContent()) ?? '' : '';
      }, (t) => t.includes('variable "txet" is not listed in inputs'), { timeout: 30_000, interval: 300 });
      log(`problem: ${message.slice(0, 140)}`);
      await wb.screenshot(path.join(out, '01-diagnostic-error.png'));
      await wb.page.keyboard.press('Escape');
      // Fix it.
      await wb.cursorToEndOfLine(...bodyLine);
      for (let i = 0; i < typo.length; i++) await wb.page.keyboard.press('Backspace');
      await wb.until('the squiggle to go', () => wb.errorSquiggles(), (n) => n === 0, { timeout: 30_000 });
      log('diagnostic shown and cleared');
      // ▶ Test: first run asks for a dataset, then a row (the first is the one the prompt view shows).
      await wb.clickCodeLens('▶ Test', 'sst2-overall.prompt');
      await wb.answerQuickPick('Test sst2-overall.prompt on', 'Choose a dataset');
      await wb.answerQuickPick('dev dataset', 'data/sst2/dev.jsonl');
      await wb.answerQuickPick('Test sst2-overall.prompt on');
      const result = await wb.waitForInlineDecoration((t) => t.startsWith('→'), { timeout: 240_000 });
      log(`inline result: ${result}`);
      if (!/→ (positive|negative)\s+·\s+(positive|negative) \d+\.\d% · (positive|negative) \d+\.\d%/.test(result)) {
        throw new Error(`unexpected inline result ${JSON.stringify(result)}`);
      }
      // The side panel's prompt view: the rendered row, token boundaries and count.
      await wb.runCommand('View: Show Prompt Tuning');
      const sidebar = await wb.webview('sidebar');
      const tokens = await wb.until('token boundaries in the side panel', () => sidebar.locator('#token-strip .token').count(), (n) => n > 5, { timeout: 120_000 });
      log(`side panel: ${tokens} token chips, count badge ${await sidebar.locator('#token-count').textContent()}`);
      await wb.screenshot(path.join(out, '02-inline-test-result.png'));
    },
  },
  {
    name: 'Train Soft Prompt: the loss chart updates, then Cancel',
    async run({ wb, out, log }) {
      // The training file (and the dev file, unless the first scenario chose it), then the options.
      await openTrainOptions(wb);
      await wb.answerQuickPick('Train a soft prompt for sst2-overall.prompt', 'Start training');
      const studio = await wb.webview('studio', { timeout: 60_000 });
      await studio.locator('#training-status').waitFor({ timeout: 60_000 });
      const points = await wb.until('the loss chart to plot 6 steps',
        async () => Number(await studio.locator('#loss-chart').getAttribute('data-points')), (n) => n >= 6, { timeout: 300_000 });
      const step = await studio.locator('#training-step').textContent();
      log(`training: ${points} loss points, step ${step}, loss ${await studio.locator('#training-loss').textContent()}`);
      await wb.screenshot(path.join(out, '03-training-loss-chart.png'));
      // The chart's text alternative (issue 15, item 7): open "Show data" (focus lands on its summary), let
      // training steps re-render the chart and its table, and the focus stays; the table has a row per step.
      const chart = studio.locator('#loss-chart');
      await studio.locator('#loss-chart-data > summary').click();
      const opened = Number(await chart.getAttribute('data-points'));
      await wb.until('3 more training steps', async () => Number(await chart.getAttribute('data-points')), (n) => n >= opened + 3, { timeout: 300_000 });
      const a11y = await studio.evaluate(() => {
        const canvas = document.getElementById('loss-chart');
        const details = document.getElementById('loss-chart-data');
        const rows = [...details.querySelectorAll('tbody tr')];
        const lossColumn = [...details.querySelectorAll('thead th')].findIndex((th) => th.textContent === 'train loss');
        return {
          role: canvas.getAttribute('role'), label: canvas.getAttribute('aria-label'), points: Number(canvas.dataset.points),
          open: details.open, focused: document.activeElement === details.querySelector('summary'),
          rows: rows.length, lossCells: rows.filter((r) => (r.children[lossColumn]?.textContent ?? '') !== '').length,
        };
      });
      log(`loss chart: role=${a11y.role}, ${a11y.points} points, table ${a11y.rows} rows (${a11y.lossCells} with a loss); "${a11y.label}"`);
      const named = /^Training loss and dev accuracy: train loss, (\d+) steps \(\d+ to \d+\), from -?\d[\d.]* to -?\d[\d.]*/.exec(a11y.label ?? '');
      if (a11y.role !== 'img' || !named || Number(named[1]) !== a11y.points) throw new Error(`the loss chart's accessible name does not summarise its ${a11y.points} points: ${JSON.stringify(a11y)}`);
      if (!a11y.open || a11y.lossCells !== a11y.points || a11y.rows < a11y.points) throw new Error(`the data table does not have a row per step: ${JSON.stringify(a11y)}`);
      if (!a11y.focused) throw new Error('the "Show data" summary lost focus while training steps re-rendered the chart');
      await wb.runCommand('Notifications: Clear All Notifications', { attempts: 5 });
      await studio.locator('#loss-chart-data').scrollIntoViewIfNeeded();
      await wb.screenshot(path.join(out, '03-training-chart-data.png'));
      await studio.locator('#cancel-training').click();
      await wb.until('the run to stop as cancelled', () => studio.locator('#training-status').textContent(), (s) => s?.trim() === 'cancelled', { timeout: 120_000 });
      await sleep(500);
      await wb.screenshot(path.join(out, '04-training-cancelled.png'));
      await wb.runCommand('Notifications: Clear All Notifications', { attempts: 5 });
    },
  },
  {
    name: 'projection view of the trained prompt',
    async run({ wb, out, log }) {
      await wb.runCommand('Prompt Tuning: Show Soft Prompt Projection');
      await wb.answerQuickPick('Show the projection of which soft prompt?');
      const studio = await wb.webview('studio');
      const cards = await wb.until('nearest-token cards', () => studio.locator('#neighbours .neighbour-card').count(), (n) => n > 0, { timeout: 180_000 });
      const hard = await studio.locator('#hard-prompt').textContent();
      log(`projection: ${cards} virtual tokens; hard prompt ${JSON.stringify(hard)}`);
      // The projection gap: the soft prompt and its projection scored on the dev rows it was trained with.
      const gap = await wb.until('the projection gap', () => studio.locator('#projection-gap').textContent(), (t) => /^Dev accuracy on /.test(t ?? '') || /could not|No projection gap/.test(t ?? ''), { timeout: 180_000 });
      log(`projection gap: ${gap}`);
      const mapLabel = await studio.locator('#projection-map').getAttribute('aria-label');
      if ((await studio.locator('#projection-map').getAttribute('role')) !== 'img' || !/virtual tokens, \d+ points?/.test(mapLabel ?? '')) throw new Error(`the 2-D map has no text alternative: ${mapLabel}`);
      log(`2-D map: "${mapLabel}"`);
      if (!/^Dev accuracy on \d+ rows of .+: soft prompt \d+\.\d% · projection \d+\.\d% · gap -?\d+\.\d points$/.test(gap)) throw new Error(`unexpected projection gap ${JSON.stringify(gap)}`);
      await wb.runCommand('Notifications: Clear All Notifications', { attempts: 5 });
      await wb.runCommand('View: Toggle Maximize Editor Group', { attempts: 5 });
      await sleep(800);
      await studio.locator('#neighbours').scrollIntoViewIfNeeded();
      await wb.screenshot(path.join(out, '05-projection-view.png'));
      await studio.locator('#projection-map').scrollIntoViewIfNeeded();
      await wb.screenshot(path.join(out, '05-projection-map.png'));
      await wb.runCommand('View: Toggle Maximize Editor Group', { attempts: 5 });
      // Save as .prompt: accept the suggested file name; the new hard prompt opens with the projected text.
      await studio.locator('#save-as-prompt').click();
      await wb.until('the save dialog', () => wb.quickInputVisible(), (v) => v, { timeout: 30_000 });
      await wb.page.keyboard.press('Enter');
      const tab = wb.page.locator('.tabs-container .tab[data-resource-name$="-projection.prompt"]');
      await wb.until('the saved prompt file to open', () => tab.count(), (n) => n > 0, { timeout: 30_000 });
      log(`saved as ${await tab.first().getAttribute('data-resource-name')}`);
    },
  },
  {
    name: 'open a benchmark report',
    needsReport: true,
    async run({ wb, out, log }) {
      await wb.openFile('bench/report.json');
      await wb.runCommand('Prompt Tuning: Open Benchmark Report');
      const studio = await wb.webview('studio');
      const rows = await wb.until('the results table', () => studio.locator('#results-table tbody tr').count(), (n) => n >= 2, { timeout: 60_000 });
      log(`benchmark view: ${rows} prompts`);
      // The accuracy chart's text alternative: every prompt's value in its name and a row per prompt in its table.
      const accuracy = studio.locator('#accuracy-chart');
      const accuracyLabel = (await accuracy.getAttribute('aria-label')) ?? '';
      const prompts = await studio.locator('#results-table tbody tr td:first-child').allTextContents();
      if ((await accuracy.getAttribute('role')) !== 'img' || !prompts.every((p) => accuracyLabel.includes(`${p} 0.`) || accuracyLabel.includes(`${p} 1`))) throw new Error(`the accuracy chart's name does not give each prompt's value: "${accuracyLabel}"`);
      await studio.locator('#accuracy-chart-data > summary').click();
      const tableRows = await wb.until('the accuracy data table', () => studio.locator('#accuracy-chart-data tbody tr').count(), (n) => n > 0, { timeout: 10_000 });
      if (tableRows !== rows) throw new Error(`the accuracy data table has ${tableRows} rows for ${rows} prompts`);
      log(`accuracy chart: "${accuracyLabel}"`);
      await wb.runCommand('Notifications: Clear All Notifications', { attempts: 5 });
      // The Studio opens beside report.json without taking focus: its group is the one to maximize.
      await wb.page.locator('.tabs-container .tab', { hasText: 'Prompt Tuning Studio' }).first().click();
      await wb.runCommand('View: Toggle Maximize Editor Group', { attempts: 5 });
      await sleep(800);
      await wb.screenshot(path.join(out, '06-benchmark-report.png'));
      await studio.locator('#accuracy-chart').scrollIntoViewIfNeeded();
      await wb.screenshot(path.join(out, '06-benchmark-charts.png'));
      await studio.locator('#accuracy-chart-data').scrollIntoViewIfNeeded();
      await wb.screenshot(path.join(out, '06-benchmark-chart-data.png'));
      await wb.runCommand('View: Toggle Maximize Editor Group', { attempts: 5 });
    },
  },
  {
    name: 'dataset text and tokens render as text, never as HTML',
    async run({ wb, out, log }) {
      await wb.openFile('examples/xss-check.prompt');
      await wb.until('the CodeLens above the body', () => wb.page.locator('.codelens-decoration a', { hasText: '▶ Test' }).count(), (n) => n > 0, { timeout: 60_000 });
      await wb.runCommand('View: Show Prompt Tuning');
      await wb.clickCodeLens('▶ Test', 'xss-check.prompt');
      await wb.answerQuickPick('Test xss-check.prompt on', 'Choose a dataset');
      await wb.answerQuickPick('dev dataset', 'data/xss-check.jsonl');
      await wb.answerQuickPick('Test xss-check.prompt on');
      await wb.waitForInlineDecoration((t) => t.startsWith('→'), { timeout: 180_000 });
      const sidebar = await wb.webview('sidebar');
      const shown = await wb.until('the row text in the side panel', () => sidebar.locator('.row-fields dd').first().textContent(), (t) => t?.includes(XSS_TEXT), { timeout: 60_000 });
      const rendered = await wb.until('the rendered prompt', () => sidebar.locator('#rendered-prompt').textContent(), (t) => t?.includes(XSS_TEXT), { timeout: 60_000 });
      await wb.until('the token strip', () => sidebar.locator('#token-strip .token').count(), (n) => n > 0, { timeout: 120_000 });
      const images = await sidebar.locator('img').count();
      if (images !== 0) throw new Error(`the side panel contains ${images} <img> element(s): text was parsed as HTML`);
      log(`side panel shows ${JSON.stringify(shown)} literally; rendered prompt ${JSON.stringify(rendered.slice(0, 80))}`);
      await wb.screenshot(path.join(out, '07-text-rendered-literally.png'));
    },
  },
  {
    name: 'dark theme: the Studio follows VS Code\'s colours',
    async run({ wb, out, log }) {
      const dark = () => wb.page.locator('.monaco-workbench.vs-dark').count();
      for (let attempt = 1; attempt <= 3 && (await dark()) === 0; attempt++) {
        await wb.runCommand('Preferences: Toggle between Light/Dark Themes', { attempts: 5 });
        await wb.until('the dark theme', dark, (n) => n > 0, { timeout: 5_000 }).catch(() => log(`theme toggle ${attempt} did not take yet`));
      }
      if ((await dark()) === 0) throw new Error('the workbench did not switch to a dark theme');
      await wb.runCommand('Prompt Tuning: Open Studio');
      const studio = await wb.webview('studio');
      await studio.locator('vscode-tab-header', { hasText: 'Training' }).click();
      await wb.until('the webview to switch to dark', () => studio.locator('body.vscode-dark').count(), (n) => n > 0, { timeout: 30_000 });
      const background = await studio.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = background.match(/\d+/g).map(Number);
      if (r + g + b > 3 * 80) throw new Error(`the Studio background ${background} is not dark`);
      log(`Studio background in the dark theme: ${background}`);
      await wb.screenshot(path.join(out, '08-dark-theme-training.png'));
    },
  },
  {
    name: '▶ Test on a generation prompt streams the answer inline and in the side panel',
    async run({ wb, out, log }) {
      const file = 'review-verdict.prompt';
      await wb.openFile(`examples/${file}`);
      await wb.clickCodeLens('▶ Test', file);
      await wb.until(`the quick pick "Test ${file} on"`, () => wb.quickInputTitle(), (t) => t?.includes(`Test ${file} on`), { timeout: 60_000, interval: 200 });
      const chooseDataset = await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Choose a dataset' }).count();
      if (chooseDataset > 0) {
        await wb.answerQuickPick(`Test ${file} on`, 'Choose a dataset');
        await wb.answerQuickPick('dev dataset', 'data/sst2/dev.jsonl');
      }
      await wb.answerQuickPick(`Test ${file} on`);
      // While it streams the inline result says "generating…"; at the end it counts the tokens. (CSS content escapes the quotes.)
      const result = await wb.waitForInlineDecoration((t) => /^→ .* · \d+ tokens?$/.test(t), { timeout: 180_000 });
      log(`inline result: ${result}`);
      const sidebar = await wb.webview('sidebar');
      const text = await wb.until('the answer in the side panel', () => sidebar.locator('#generated-text').textContent(), (t) => (t ?? '').trim().length > 0, { timeout: 60_000 });
      log(`side panel answer: ${JSON.stringify(text.slice(0, 80))}`);
      await wb.screenshot(path.join(out, '09-generation-streamed.png'));
    },
  },
  {
    name: 'Select Model: a Hugging Face id downloads from the (loopback) hub with progress, then ▶ Test runs on it',
    async run({ wb, out, log }) {
      await wb.openFile(PROMPT);
      await wb.runCommand('Prompt Tuning: Select Model');
      await wb.answerQuickPick('Select Model', 'Enter a Hugging Face id');
      await wb.answerInputBox('Hugging Face model id', HUB_MODEL_ID);
      const notification = wb.page.locator('.notification-toast', { hasText: `Downloading ${HUB_MODEL_ID}` });
      await notification.first().waitFor({ timeout: 60_000 });
      log('download progress notification shown');
      await wb.screenshot(path.join(out, '10-hub-download-progress.png'));
      await wb.until('the status bar to show the hub model', () => wb.page.locator('.statusbar-item', { hasText: 'tiny-llama' }).count(), (n) => n > 0, { timeout: 120_000 });
      // The result on imdb-gpt2-small from the first scenario is still shown: wait for the new model's.
      const before = new Set(await wb.inlineDecorations());
      // The dataset chosen in the first scenario is remembered: ▶ Test asks for the row only.
      await wb.clickCodeLens('▶ Test', 'sst2-overall.prompt');
      await wb.answerQuickPick('Test sst2-overall.prompt on');
      const result = await wb.waitForInlineDecoration((t) => t.startsWith('→') && !before.has(t), { timeout: 180_000 });
      log(`inline result on ${HUB_MODEL_ID}: ${result}`);
      await wb.screenshot(path.join(out, '11-hub-model-test.png'));
    },
  },
  {
    name: 'Playground: the hard prompt, the hard + soft prompt and the projected hard prompt side by side',
    needsGenerationFixtures: true,
    async run({ wb, out, log }) {
      const file = 'review-verdict.prompt';
      await wb.openFile(`examples/${file}`);
      await wb.until('the Playground lens', () => wb.page.locator('.codelens-decoration a', { hasText: 'Playground' }).count(), (n) => n > 0, { timeout: 90_000 });
      await wb.clickCodeLens('Playground', file);
      const studio = await wb.webview('studio', { timeout: 60_000 });
      await studio.locator('#playground-columns').waitFor({ timeout: 60_000 });
      // The soft prompt made for the model now selected (the Select Model scenario may have switched to the tiny Llama).
      const llama = (await wb.page.locator('.statusbar-item', { hasText: 'tiny-llama' }).count()) > 0;
      await studio.locator('#playground-choose-soft').click();
      await wb.answerQuickPick('Playground: which soft prompt?', llama ? 'playground-tiny-llama' : 'playground-imdb-gpt2-small');
      await wb.until('the chosen soft prompt', () => studio.locator('#playground-soft-prompt').textContent(), (t) => (t ?? '').includes('playground-'), { timeout: 30_000 });
      const text = 'a gripping, beautifully acted film with a clever script';
      await studio.locator('#playground-input-text').evaluate((field, value) => { field.value = value; }, text);
      await studio.locator('#playground-maxNewTokens').evaluate((field) => { field.value = '12'; });
      await studio.locator('#playground-seed').evaluate((field) => { field.value = '7'; });
      await studio.locator('#playground-run').click();
      const statuses = () => studio.locator('.playground-column').evaluateAll((columns) => columns.map((c) => c.getAttribute('data-status')).join(','));
      await wb.until('three finished columns', statuses, (s) => s === 'done,done,done', { timeout: 300_000, interval: 500 });
      const texts = await studio.locator('.playground-column .playground-text').allTextContents();
      const projected = await studio.locator('.projected-text code').textContent();
      log(`playground (${llama ? 'tiny-llama' : 'imdb-gpt2-small'}): ${texts.map((t) => JSON.stringify(t.slice(0, 40))).join(' | ')}; projection ${JSON.stringify(projected)}`);
      if (texts.length !== 3) throw new Error(`expected three outputs, got ${texts.length}`);
      const boxes = await studio.locator('.playground-column').evaluateAll((columns) => columns.map((c) => c.getBoundingClientRect().top));
      if (Math.max(...boxes) - Math.min(...boxes) > 2) throw new Error(`the three columns are not side by side (tops ${boxes.join(', ')})`);
      await wb.runCommand('Notifications: Clear All Notifications', { attempts: 5 });
      await wb.runCommand('View: Toggle Maximize Editor Group', { attempts: 5 });
      await sleep(800);
      await wb.screenshot(path.join(out, '12-playground-side-by-side.png'));
      await wb.runCommand('View: Toggle Maximize Editor Group', { attempts: 5 });
    },
  },
  {
    name: 'Run on dataset scores a generation prompt (exact match, token F1, ROUGE-L) inline',
    needsGenerationFixtures: true,
    async run({ wb, out, log }) {
      await wb.openFile(`examples/${GENERATION_E2E_PROMPT}`);
      await wb.clickCodeLens('▶ Run on dataset', GENERATION_E2E_PROMPT);
      await wb.answerQuickPick('dev dataset', 'data/verdicts.jsonl');
      const result = await wb.waitForInlineDecoration((t) => t.startsWith('exact match'), { timeout: 180_000 });
      log(`inline result: ${result}`);
      if (!/^exact match \d+\.\d% · token F1 \d\.\d{3} · ROUGE-L \d\.\d{3} · 3 rows of verdicts\.jsonl/.test(result)) throw new Error(`unexpected inline result ${JSON.stringify(result)}`);
      await wb.runCommand('Notifications: Clear All Notifications', { attempts: 5 });
      await wb.screenshot(path.join(out, '13-run-on-dataset-generation.png'));
    },
  },
  {
    name: 'first run from an empty folder: the walkthrough, Open Samples, Select Model (a folder), ▶ Test on a sample',
    async run({ wb, out, log, runDir, model, folderUrl, serverUrl }) {
      const folder = path.join(runDir, 'first-run');
      fs.mkdirSync(folder, { recursive: true });
      await wb.page.goto(folderUrl(folder), { waitUntil: 'domcontentloaded' });
      await wb.waitReady();
      try {
        await firstRun(wb, out, log, folder, model);
      } catch (error) {
        await wb.screenshot(path.join(out, '15-first-run-failed.png'));
        throw error;
      } finally {
        // Back to the suite's workspace for the scenarios after this one.
        await wb.page.goto(serverUrl, { waitUntil: 'domcontentloaded' });
        await wb.waitReady();
      }
    },
  },
  {
    name: 'Restricted Mode: prompt files are checked, no job starts, one clear message',
    async run({ out, log, runDir, browser, startServer }) {
      const folder = path.join(runDir, 'untrusted');
      fs.mkdirSync(folder, { recursive: true });
      const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
      fs.copyFileSync(path.join(repo, 'examples', 'reviews.prompt'), path.join(folder, 'reviews.prompt'));
      const server = await startServer({ folder, trust: true });
      const page = await browser.newPage();
      page.setDefaultTimeout(60_000);
      try {
        await page.goto(server.url, { waitUntil: 'domcontentloaded' });
        const wb = new Workbench(page, log);
        await wb.waitReady();
        await wb.until('the Restricted Mode indicator', () => page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).count(), (n) => n > 0, { timeout: 60_000 });
        await wb.openFile('reviews.prompt');
        // Checking still works: a typo in a key is flagged.
        await wb.cursorToEndOfLine('soft_prompt: prefix');
        await page.keyboard.press('Home');
        await page.keyboard.press('Delete');
        await wb.until('an error squiggle on the misspelt key', () => wb.errorSquiggles(), (n) => n > 0, { timeout: 30_000 });
        await page.keyboard.type('s');
        await wb.until('the squiggle to go', () => wb.errorSquiggles(), (n) => n === 0, { timeout: 30_000 });
        await wb.runCommand('Prompt Tuning: Test Prompt');
        const message = page.locator('.notification-toast', { hasText: 'Restricted Mode' });
        await message.first().waitFor({ timeout: 30_000 });
        const text = (await message.first().textContent()) ?? '';
        if (!text.includes('Trust this workspace')) throw new Error(`unexpected message ${JSON.stringify(text)}`);
        if (await wb.quickInputVisible()) throw new Error('a quick pick opened: the command went on in Restricted Mode');
        log(`Restricted Mode message: ${text.slice(0, 160)}`);
        await sleep(800);
        await wb.screenshot(path.join(out, '16-restricted-mode.png'));
        await wb.runCommand('Prompt Tuning: Train Soft Prompt');
        await sleep(1500);
        if (await wb.quickInputVisible()) throw new Error('Train asked for a dataset in Restricted Mode');
        // The workspace's model setting is ignored in Restricted Mode: Select Model says so instead of writing it.
        await wb.runCommand('Prompt Tuning: Select Model');
        await sleep(1500);
        if (await wb.quickInputVisible()) throw new Error('Select Model opened a quick pick in Restricted Mode');
        const jobs = await page.locator('.statusbar-item', { hasText: /Test|Train/ }).count();
        if (jobs !== 0) throw new Error('a job appeared in the status bar');
      } finally {
        await page.close();
        await server.stop();
      }
    },
  },
  {
    name: 'prompt tests (expect:) in the Test Explorer: one passes, one fails with the metric in its message',
    async run({ wb, out, log, runDir }) {
      const file = path.join(runDir, 'ws', 'examples', 'tested.prompt');
      fs.writeFileSync(file, [
        '---', 'task: classification', 'inputs: [text]', 'label_column: label', 'labels:', '  negative: " bad"', '  positive: " good"',
        'expect:', '  - data: ../data/sst2/dev.jsonl', '    limit: 8', '    accuracy: ">= 0"',
        '  - data: ../data/sst2/dev.jsonl', '    limit: 8', '    accuracy: "> 1"',
        '---', '{{ text }} Overall, the movie was', '',
      ].join('\n'));
      await wb.openFile('examples/tested.prompt');
      await wb.runCommand('View: Show Testing', { attempts: 10 });
      const tree = wb.page.locator('.test-explorer');
      await wb.until('the prompt file in the Test Explorer', () => tree.getByText('tested.prompt').count(), (n) => n > 0, { timeout: 60_000 });
      await wb.runCommand('Test: Run All Tests', { attempts: 10 });
      // Each test's state in the editor's gutter, at its entry's line.
      const gutter = (state) => wb.page.locator(`.monaco-editor[data-uri$="/tested.prompt"] .margin .codicon-testing-${state}-icon`);
      await wb.until('one test passed and one failed', async () => [await gutter('passed').count(), await gutter('failed').count()], ([p, f]) => p === 1 && f === 1, { timeout: 240_000 });
      // The failure's message names the measured accuracy.
      const message = await wb.until('the failure message', () => wb.page.getByText(/accuracy \d\.\d{3} is not > 1/).first().textContent(), (t) => !!t, { timeout: 30_000 });
      // Expand the file in the Test Explorer to show both tests and their states.
      const fileRow = tree.locator('.monaco-list-row', { hasText: 'tested.prompt' }).first();
      if ((await fileRow.getAttribute('aria-expanded')) === 'false') await fileRow.locator('.monaco-tl-twistie').click();
      await tree.getByText('accuracy > 1 on ../data/sst2/dev.jsonl (8 rows)').first().waitFor({ timeout: 30_000 });
      const treeStates = [await tree.locator('.codicon-testing-passed-icon').count(), await tree.locator('.codicon-testing-failed-icon').count()];
      if (treeStates[0] < 1 || treeStates[1] < 1) throw new Error(`the Test Explorer shows ${treeStates[0]} passed and ${treeStates[1]} failed icons`);
      log(`Test Explorer: one passed, one failed: ${message}`);
      await wb.screenshot(path.join(out, '17-prompt-tests.png'));
    },
  },
  {
    name: 'the status-bar job item asks before it stops a training',
    async run({ wb, out, log }) {
      await openTrainOptions(wb);
      await wb.answerQuickPick('Train a soft prompt for sst2-overall.prompt', 'Start training');
      const studio = await wb.webview('studio', { timeout: 60_000 });
      await wb.until('the training to run', () => studio.locator('#training-status').textContent(), (s) => s?.trim() === 'running', { timeout: 120_000 });
      const item = wb.page.locator('.statusbar-item', { hasText: 'Train' }).first();
      const dialog = wb.page.locator('.monaco-dialog-box');
      // A click asks; "Cancel" in the dialog keeps the training going.
      await item.click();
      await dialog.getByText(/^Stop "Train/).first().waitFor({ timeout: 30_000 });
      await wb.screenshot(path.join(out, '18-confirm-stop-training.png'));
      await dialog.locator('.monaco-button', { hasText: /^Cancel$/ }).first().click();
      await sleep(1500);
      const still = (await studio.locator('#training-status').textContent())?.trim();
      if (still !== 'running') throw new Error(`the training is "${still}" after the dialog was dismissed`);
      // "Stop" stops it.
      await item.click();
      await dialog.locator('.monaco-button', { hasText: /^Stop$/ }).first().click();
      await wb.until('the run to stop as cancelled', () => studio.locator('#training-status').textContent(), (s) => s?.trim() === 'cancelled', { timeout: 120_000 });
      log('the status bar asked first; Cancel kept the run, Stop stopped it');
      await wb.runCommand('Notifications: Clear All Notifications', { attempts: 5 });
    },
  },
  {
    name: 'Select Dataset and changing it: dev and test roles, row counts and label distribution in the prompt view',
    async run({ wb, out, log, runDir }) {
      const { dev, test } = writeSmallSplits(runDir);
      const sidebar = await selectDevDataset(wb, dev);
      const role = (name) => sidebar.locator(`#dataset-roles li[data-role="${name}"]`);
      const devLine = await wb.until('the dev file counted', () => role('dev').textContent(), (t) => t?.includes('sst2-small-dev.jsonl') && /40 rows · (positive|negative) \d+% · (positive|negative) \d+%/.test(t), { timeout: 60_000 });
      log(`dev: ${devLine}`);
      // From the prompt view: the test role's Choose… button.
      await role('test').locator('vscode-button').first().click();
      await wb.answerQuickPick('Which test dataset for sst2-overall.prompt', test);
      const testLine = await wb.until('the test file counted', () => role('test').textContent(), (t) => t?.includes('sst2-small-test.jsonl') && t.includes('30 rows'), { timeout: 60_000 });
      log(`test: ${testLine}`);
      // Changed again from the CodeLens: the dev role goes back to the full SST-2 dev set.
      await wb.clickCodeLens('Datasets…', 'sst2-overall.prompt');
      await wb.answerQuickPick('which role?', 'Dev');
      await wb.answerQuickPick('Which dev dataset for sst2-overall.prompt', 'data/sst2/dev.jsonl');
      const changed = await wb.until('the dev role changed', () => role('dev').textContent(), (t) => t?.includes('data/sst2/dev.jsonl') && t.includes('872 rows'), { timeout: 60_000 });
      log(`dev changed: ${changed}`);
      const rowCount = await sidebar.locator('.row-picker .muted').first().textContent();
      if (!rowCount?.includes('872')) throw new Error(`the row picker still shows ${JSON.stringify(rowCount)} rows, not the new dev set's`);
      await wb.screenshot(path.join(out, '25-select-dataset.png'));
      await keepsFocus(wb, sidebar, log);
      // Leave the small dev set for the next scenario.
      await wb.runCommand('Prompt Tuning: Select Dataset…');
      await wb.answerQuickPick('which role?', 'Dev');
      await wb.answerQuickPick('Which dev dataset for sst2-overall.prompt', dev);
    },
  },
  {
    name: 'Run on dataset opens the results grid; filtered to the errors; a row opens in the prompt view',
    async run({ wb, out, log, runDir }) {
      const { dev } = writeSmallSplits(runDir);
      await wb.openFile(PROMPT);
      await wb.runCommand('Prompt Tuning: Select Dataset…');
      await wb.answerQuickPick('which role?', 'Dev');
      await wb.answerQuickPick('Which dev dataset for sst2-overall.prompt', dev);
      await wb.clickCodeLens('▶ Run on dataset', 'sst2-overall.prompt');
      const studio = await wb.webview('studio', { timeout: 240_000 });
      const summary = await wb.until('the results grid', () => studio.locator('#results-summary').textContent(), (t) => /\d+ \/ 40 right/.test(t ?? ''), { timeout: 240_000 });
      const right = Number(/(\d+) \/ 40 right/.exec(summary)[1]);
      log(`results grid: ${summary}`);
      if ((await studio.locator('#results-table tr.result-row').count()) !== 40) throw new Error('the grid does not show the 40 rows');
      await studio.locator('#results-errors-only').click();
      const count = await wb.until('the errors filter', () => studio.locator('#results-count').textContent(), (t) => t === `${40 - right} of 40 rows` || (right === 40 && t === '0 of 40 rows'), { timeout: 30_000 });
      const rows = studio.locator('#results-table tr.result-row');
      const shown = await rows.count();
      if (shown !== 40 - right || (await studio.locator('#results-table tr.result-row.all-right').count()) !== 0) throw new Error(`the errors filter shows ${shown} rows, some correct (${count})`);
      log(`errors only: ${count}`);
      const afterFilter = await focused(studio);
      if (afterFilter.id !== 'results-errors-only') throw new Error(`focus left Errors only when the grid re-rendered: ${JSON.stringify(afterFilter)}`);
      await wb.screenshot(path.join(out, '26-results-grid-errors.png'));
      if (shown > 0) {
        // Sort by confidence (most confident errors first), then open the first row in the prompt view.
        await studio.locator('button.sort[data-sort="confidence"]').click();
        await wb.until('the sort', () => studio.locator('th[aria-sort="descending"]').count(), (n) => n === 1, { timeout: 30_000 });
        const afterSort = await focused(studio);
        if (afterSort.sort !== 'confidence') throw new Error(`focus left the sort button when the sorted grid came back: ${JSON.stringify(afterSort)}`);
        const first = rows.first();
        const index = await first.getAttribute('data-index');
        const text = (await first.locator('td.row-text').textContent()) ?? '';
        await first.click();
        const source = await wb.until('the row in the prompt view', () => studio.locator('#row-source').textContent(), (t) => t?.includes(`row ${index} of sst2-small-dev.jsonl`), { timeout: 30_000 });
        const field = (await studio.locator('.row-fields dd').first().textContent()) ?? '';
        if (!field.startsWith(text.replace(/…$/, '').slice(0, 60))) throw new Error(`the prompt view shows ${JSON.stringify(field.slice(0, 80))}, not the grid's row ${JSON.stringify(text.slice(0, 80))}`);
        log(`${source}: ${field.slice(0, 60)}`);
        await wb.screenshot(path.join(out, '27-results-row-in-preview.png'));
      }
    },
  },
  {
    name: 'a benchmark\'s results grid: two prompts compared row by row, disagreements first',
    needsReport: true,
    async run({ wb, out, log }) {
      await wb.openFile('bench/report.json');
      await wb.runCommand('Prompt Tuning: Open Results Grid');
      const studio = await wb.webview('studio', { timeout: 60_000 });
      await wb.until('the benchmark\'s grid', () => studio.locator('#results-choices vscode-button').count(), (n) => n === 2, { timeout: 60_000 });
      const second = studio.locator('#results-choices vscode-button[aria-pressed="false"]').first();
      const name = await second.textContent();
      await second.click();
      const summary = await wb.until('two prompts side by side', () => studio.locator('#results-summary').textContent(), (t) => (t?.match(/right/g) ?? []).length === 2, { timeout: 30_000 });
      log(`compared: ${summary} (added ${name})`);
      const agree = await studio.locator('#results-table tr.result-row td:last-child').allTextContents();
      const firstAgreement = agree.indexOf('yes');
      if (agree.length !== 16 || (firstAgreement >= 0 && agree.slice(firstAgreement).includes('no'))) throw new Error(`rows not disagreements first: ${agree.join(',')}`);
      log(`${agree.filter((a) => a === 'no').length} disagreements of ${agree.length} rows, listed first`);
      await wb.screenshot(path.join(out, '28-results-compare.png'));
    },
  },
  {
    name: 'Split Dataset: seeded, stratified train/dev/test files beside the dataset, then used as the prompt\'s roles',
    async run({ wb, out, log, runDir }) {
      const { dev } = writeSmallSplits(runDir);
      const ws = path.join(runDir, 'ws');
      const base = path.join(ws, dev.replace(/\.jsonl$/, ''));
      for (const part of ['train', 'dev', 'test']) fs.rmSync(`${base}.${part}.jsonl`, { force: true });
      await wb.openFile(PROMPT);
      await wb.runCommand('View: Show Prompt Tuning');
      await wb.runCommand('Prompt Tuning: Split Dataset into Train, Dev and Test…');
      // VS Code's simple file dialog (code-server): type the path, accept.
      await wb.until('the file dialog', () => wb.quickInputVisible(), (v) => v, { timeout: 30_000, interval: 200 });
      // The dialog fills in its starting folder a moment after it shows: type the path after that, and again if it was overwritten.
      const input = wb.page.locator('.quick-input-widget input').first();
      await wb.until('the dialog\'s starting folder', () => input.inputValue(), (v) => v !== '', { timeout: 30_000, interval: 200 });
      await wb.until('the typed path', async () => {
        if ((await input.inputValue()) !== path.join(ws, dev)) await input.fill(path.join(ws, dev));
        await sleep(800);
        return input.inputValue();
      }, (v) => v === path.join(ws, dev), { timeout: 30_000, interval: 200 });
      await wb.page.keyboard.press('Enter');
      await wb.answerQuickPick('proportions (1/2)', '80 / 10 / 10');
      await wb.answerQuickPick('keep the proportions of which column? (2/2)', 'label');
      const use = wb.page.locator('.notification-toast .monaco-button', { hasText: 'Use for sst2-overall.prompt' });
      await use.first().waitFor({ timeout: 60_000 });
      const message = await wb.page.locator('.notification-toast', { hasText: 'Wrote' }).first().textContent();
      log(`split: ${message?.slice(0, 160)}`);
      await use.first().click();
      const counts = Object.fromEntries(['train', 'dev', 'test'].map((part) => [part, fs.readFileSync(`${base}.${part}.jsonl`, 'utf8').trim().split('\n').length]));
      if (counts.train !== 32 || counts.dev !== 4 || counts.test !== 4) throw new Error(`unexpected split sizes ${JSON.stringify(counts)}`);
      const sidebar = await wb.webview('sidebar');
      const role = (name) => sidebar.locator(`#dataset-roles li[data-role="${name}"]`);
      for (const part of ['train', 'dev', 'test']) {
        await wb.until(`the ${part} role`, () => role(part).textContent(), (t) => t?.includes(`sst2-small-dev.${part}.jsonl`) && t.includes(`${counts[part]} rows`), { timeout: 60_000 });
      }
      log(`roles set: ${JSON.stringify(counts)}`);
      await wb.screenshot(path.join(out, '29-split-dataset.png'));
    },
  },
  {
    name: 'a soft prompt from the Soft Prompts view used by ▶ Test',
    needsGenerationFixtures: true,
    async run({ wb, out, log }) {
      // The soft prompt made for the model now selected (the Select Model scenario may have switched to the tiny Llama).
      const llama = (await wb.page.locator('.statusbar-item', { hasText: 'tiny-llama' }).count()) > 0;
      const adapter = llama ? 'playground-tiny-llama' : 'playground-imdb-gpt2-small';
      await wb.runCommand('Focus on Soft Prompts View', { attempts: 10 });
      const row = wb.page.locator(`.monaco-list-row[aria-label^="${adapter}:"]`).first();
      await row.waitFor({ timeout: 60_000 });
      const label = await row.getAttribute('aria-label');
      log(`Soft Prompts view: ${label}`);
      // What its training record says: prompt tuning, 4 virtual tokens, the base model.
      if (!/prompt tuning · 4 tokens/.test(label ?? '')) throw new Error(`unexpected item ${JSON.stringify(label)}`);
      await row.click();
      await row.hover();
      await row.locator('.action-label[aria-label^="Test with This Soft Prompt"]').click();
      // The prompt file it was trained with (its training record names it) opens, and ▶ Test asks for the row.
      const file = 'review-verdict.prompt';
      await wb.until(`the quick pick "Test ${file} on"`, () => wb.quickInputTitle(), (t) => t?.includes(`Test ${file} on`), { timeout: 60_000, interval: 200 });
      if ((await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Choose a dataset' }).count()) > 0) {
        await wb.answerQuickPick(`Test ${file} on`, 'Choose a dataset');
        await wb.answerQuickPick('dev dataset', 'data/sst2/dev.jsonl');
      }
      await wb.answerQuickPick(`Test ${file} on`);
      const result = await wb.waitForInlineDecoration((t) => /^→ .* · \d+ tokens?$/.test(t), { timeout: 180_000 });
      log(`inline result with ${adapter}: ${result}`);
      // The side panel says which soft prompt the answer was generated with.
      await wb.until('the side panel to name the soft prompt', () => wb.webviewText(`with the soft prompt ${adapter}`), (found) => found, { timeout: 60_000 });
      await wb.runCommand('Focus on Soft Prompts View', { attempts: 10 });
      await row.hover();
      await sleep(500);
      await wb.screenshot(path.join(out, '19-soft-prompt-view-test.png'));
    },
  },
  {
    name: 'Benchmark Prompts from the palette end to end: numbered steps with Back, the test dataset, the report in the Studio',
    async run({ wb, out, log, runDir }) {
      // A small test file of SST-2 rows no other scenario uses, and two prompts no other scenario gives a test file.
      const ws = path.join(runDir, 'ws');
      const testFile = 'data/sst2-bench-e2e-test.jsonl';
      const lines = fs.readFileSync(path.join(ws, 'data', 'sst2', 'dev.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
      fs.writeFileSync(path.join(ws, testFile), lines.slice(100, 112).join('\n') + '\n');
      const hard = ['sst2-question.prompt', 'sst2-rating.prompt'];
      await clearWindow(wb);
      await wb.runCommand('Prompt Tuning: Benchmark Prompts');
      const first = await wb.waitQuickInput('Benchmark: hard prompts to compare');
      if (!/\(1\/[23]\)$/.test(first)) throw new Error(`no step number in the first title: ${JSON.stringify(first)}`);
      log(`step 1: ${first}`);
      await wb.answerQuickPickMany('Benchmark: hard prompts to compare', hard);
      // Soft prompts exist when earlier scenarios trained some: compare none of them here (a step of its own).
      let title = await wb.until('the next step', () => wb.quickInputTitle(), (t) => t !== undefined && !t.includes('hard prompts'), { interval: 200 });
      if (title.includes('soft prompts to compare')) {
        await wb.answerQuickPickMany('soft prompts to compare', []);
        title = await wb.until('the next step', () => wb.quickInputTitle(), (t) => t !== undefined && !t.includes('soft prompts'), { interval: 200 });
      }
      if (!title.includes('which test dataset') || !/\([23]\/[23]\)$/.test(title)) throw new Error(`expected the numbered test dataset step, got ${JSON.stringify(title)}`);
      log(`test dataset step: ${title}`);
      await wb.screenshot(path.join(out, '30-benchmark-steps.png'));
      // Back to the hard prompts (through the soft prompts when shown): the two are still ticked.
      await wb.quickInputBack();
      if ((await wb.waitQuickInput('Benchmark:')).includes('soft prompts')) await wb.quickInputBack();
      const ticked = await wb.answerQuickPickMany('Benchmark: hard prompts to compare', hard);
      if (ticked.length !== 2 || !hard.every((h) => ticked.some((t) => t.includes(h)))) throw new Error(`Back lost the ticks: ${JSON.stringify(ticked)}`);
      if ((await wb.until('the next step', () => wb.quickInputTitle(), (t) => t !== undefined && !t.includes('hard prompts'), { interval: 200 })).includes('soft prompts')) {
        await wb.answerQuickPickMany('soft prompts to compare', []);
      }
      await wb.answerQuickPick('which test dataset (held out from training and dev) for sst2-question.prompt', testFile);
      // The job runs; then the Studio shows the rows (Results) and the report (Benchmark tab).
      const studio = await wb.webview('studio', { timeout: 120_000 });
      const rows = await wb.until('the benchmark\'s rows in the Results tab', () => studio.locator('section[data-view="results"] tr.result-row').count(), (n) => n === 12, { timeout: 150_000 });
      log(`results grid: ${rows} rows`);
      await studio.locator('vscode-tab-header[data-view="benchmark"]').click();
      // The report's first table: one row per prompt.
      const report = studio.locator('section[data-view="benchmark"] table').first().locator('tbody tr');
      const prompts = await wb.until('the report\'s results table', () => report.allTextContents(), (t) => t.length === 2 && ['sst2-question', 'sst2-rating'].every((n) => t.some((row) => row.includes(n))), { timeout: 60_000 });
      log(`benchmark report: ${prompts.map((row) => row.replace(/\s+/g, ' ').trim().slice(0, 60)).join(' | ')}`);
      await wb.runCommand('Notifications: Clear All Notifications', { attempts: 5 });
      await sleep(500);
      await wb.screenshot(path.join(out, '31-benchmark-palette-report.png'));
    },
  },
  {
    name: 'a window reload during a training: the Runs view and the training view show it interrupted, with its last checkpoint',
    async run({ wb, out, log, runDir }) {
      const started = Date.now();
      await openTrainOptions(wb);
      // Evaluate (and so checkpoint) early and on few rows, so a checkpoint is on disk soon.
      const train = 'Train a soft prompt for sst2-overall.prompt';
      await wb.answerQuickPick(train, 'Evaluate every');
      await wb.answerInputBox('Evaluate on the dev set every N steps', '2');
      await wb.answerQuickPick(train, 'Dev rows per evaluation');
      await wb.answerInputBox('Dev rows per evaluation', '8');
      await wb.answerQuickPick(train, 'Start training');
      // The adapter folder of this run, once the trainer has written a checkpoint into it.
      const root = path.join(runDir, 'ws', 'soft-prompts');
      // Dot-named folders are a checkpoint being swapped in (the old copy kept until the rename): not the run's folder.
      const checkpointed = () => (fs.existsSync(root) ? fs.readdirSync(root).filter((name) => !name.startsWith('.')) : [])
        .map((name) => path.join(root, name, 'ptune_training.json'))
        .find((file) => fs.existsSync(file) && fs.statSync(file).mtimeMs > started);
      const record = await wb.until('a checkpoint on disk', checkpointed, (file) => file !== undefined, { timeout: 300_000, interval: 1000 });
      const step = JSON.parse(fs.readFileSync(record, 'utf8')).checkpoint?.step;
      log(`checkpoint of step ${step} in ${path.dirname(record)}; reloading the window`);
      await wb.runCommand('Developer: Reload Window');
      await sleep(3000);
      await wb.waitReady();
      await wb.runCommand('Focus on Runs View', { attempts: 40 });
      const row = wb.page.locator('.monaco-list-row[aria-label^="Train sst2-overall.prompt: interrupted"]').first();
      await row.waitFor({ timeout: 90_000 });
      log(`Runs view: ${await row.getAttribute('aria-label')}`);
      // The history file says so too, with the checkpoint the adapter folder holds.
      const history = fs.readFileSync(path.join(runDir, 'ws', '.vscode', 'prompt-tuning', 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const last = history.filter((r) => r.kind === 'training' && r.outputs.adapter === path.dirname(record)).at(-1);
      if (last?.status !== 'interrupted' || typeof last.checkpointStep !== 'number') throw new Error(`the run is recorded as ${JSON.stringify(last && { status: last.status, checkpointStep: last.checkpointStep })}`);
      // Opening it shows its curve in the training view, marked interrupted, with the checkpoint kept.
      await row.click();
      const studio = await wb.webview('studio', { timeout: 60_000 });
      await wb.until('the training view to say interrupted', () => studio.locator('#training-status').textContent(), (s) => s?.trim() === 'interrupted', { timeout: 60_000 });
      const message = await studio.locator('.training-view p.note').first().textContent();
      log(`training view: ${message}`);
      if (!/last good checkpoint \(step \d+\)/.test(message ?? '')) throw new Error(`the training view says ${JSON.stringify(message)}`);
      await sleep(800);
      await wb.screenshot(path.join(out, '20-reload-interrupted-training.png'));
    },
  },
  {
    name: 'Runs view: two trainings\' curves overlaid (Compare Training Curves)',
    async run({ wb, out, log, runDir, model }) {
      // Two finished trainings, written as the history file documents them (docs/runs-and-soft-prompts.md).
      const file = path.join(runDir, 'ws', '.vscode', 'prompt-tuning', 'runs.jsonl');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const training = (name, minute, slope) => ({
        formatVersion: 1, id: `e2e-${name}`, kind: 'training', status: 'done', title: `Train ${name}.prompt`,
        startedAt: `2026-01-01T10:${minute}:00.000Z`, endedAt: `2026-01-01T10:${minute}:30.000Z`, model, promptFiles: [], data: [], parameters: {},
        curve: { loss: Array.from({ length: 20 }, (_, i) => ({ step: i + 1, value: 1 / (1 + slope * i) })), devAccuracy: [5, 10, 15, 20].map((step) => ({ step, value: 0.5 + slope * step / 100 })) },
        metrics: { steps: 20, totalSteps: 20, bestDevAccuracy: 0.5 + slope / 5 }, outputs: {},
      });
      fs.appendFileSync(file, `${JSON.stringify(training('e2e-a', '10', 0.5))}\n${JSON.stringify(training('e2e-b', '20', 1.5))}\n`);
      await wb.runCommand('Focus on Runs View', { attempts: 10 });
      const header = wb.page.locator('.pane-header', { hasText: /^Runs/i }).first();
      await header.hover();
      await header.locator('.action-label[aria-label^="Refresh Runs"]').click();
      const a = wb.page.locator('.monaco-list-row[aria-label^="Train e2e-a.prompt:"]').first();
      const b = wb.page.locator('.monaco-list-row[aria-label^="Train e2e-b.prompt:"]').first();
      await a.waitFor({ timeout: 30_000 });
      await a.click();
      await b.click({ modifiers: ['Control'] });
      await header.hover();
      await header.locator('.action-label[aria-label^="Compare Training Curves"]').click();
      const studio = await wb.webview('studio', { timeout: 60_000 });
      const series = await wb.until('two overlaid curves', async () => Number(await studio.locator('#loss-chart').getAttribute('data-series')), (n) => n === 2, { timeout: 60_000 });
      const rows = await studio.locator('#compare-table tr').count();
      const title = await studio.locator('.training-view h2').textContent();
      log(`compare: ${series} series, ${rows - 1} table rows, title ${JSON.stringify(title)}`);
      if (rows !== 3) throw new Error(`the comparison table has ${rows - 1} rows`);
      if (await studio.locator('.training-view .stats').isVisible()) throw new Error('one run\'s stats are shown while comparing');
      await sleep(800);
      await wb.screenshot(path.join(out, '21-compare-training-curves.png'));
    },
  },
  {
    name: 'Open Dataset: a CSV as a grid in the Studio; sorted by label, searched for a word, filtered by label; text shown literally; re-read when the file changes',
    async run({ wb, out, log, runDir }) {
      const file = path.join(runDir, 'ws', 'data', 'grid-e2e.csv');
      const quote = (t) => `"${t.replace(/"/g, '""')}"`;
      const rows = Array.from({ length: 30 }, (_, i) => ({
        text: i === 7 ? `great ${XSS_TEXT}, really` : i === 12 ? 'a great film,\nspread over "two" lines' : `${i % 3 === 0 ? 'great' : 'dull'} movie number ${i}`,
        label: i % 2 === 0 ? 'positive' : 'negative',
      }));
      fs.writeFileSync(file, 'text,label\n' + rows.map((r) => `${quote(r.text)},${r.label}`).join('\n') + '\n');
      const great = rows.filter((r) => r.text.includes('great'));
      await clearWindow(wb);
      await wb.runCommand('Prompt Tuning: Open Dataset');
      // VS Code's simple file dialog (code-server): once it shows its starting folder, type the path, accept.
      const input = wb.page.locator('.quick-input-widget input').first();
      await wb.until('the file dialog', () => input.inputValue(), (v) => v.length > 0, { timeout: 30_000, interval: 200 });
      await wb.until('the path typed', async () => {
        await input.fill(file);
        await sleep(800);
        return input.inputValue();
      }, (v) => v === file, { timeout: 30_000, interval: 200 });
      await wb.page.keyboard.press('Enter');
      const studio = await wb.webview('studio', { timeout: 60_000 });
      await wb.until('the dataset grid', () => studio.locator('#dataset-count').textContent(), (t) => t === '30 rows', { timeout: 60_000 });
      const summary = await studio.locator('#dataset-summary').textContent();
      if (summary !== '30 rows · negative 50% · positive 50%') throw new Error(`unexpected summary ${JSON.stringify(summary)}`);
      if ((await studio.locator('#dataset-table tr.dataset-row').count()) !== 30) throw new Error('the grid does not show the 30 rows');
      log(`dataset grid: ${summary}`);
      // Sort by label: the 15 negative rows first, in file order.
      await studio.locator('#dataset-table button.sort[data-sort="label"]').click();
      await wb.until('the label sort', () => studio.locator('#dataset-table th[aria-sort="ascending"] button[data-sort="label"]').count(), (n) => n === 1, { timeout: 30_000 });
      const labels = await studio.locator('#dataset-table td.label-cell').allTextContents();
      if (labels.slice(0, 15).some((l) => l !== 'negative') || labels.slice(15).some((l) => l !== 'positive')) throw new Error(`not sorted by label: ${labels.join(',')}`);
      const order = await studio.locator('#dataset-table tr.dataset-row').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-row'))));
      if (order[0] !== 2 || order[15] !== 1) throw new Error(`unexpected order ${order.join(',')}`);
      // Search for a word.
      await studio.locator('#dataset-search input').fill('GREAT');
      await studio.locator('#dataset-search input').press('Enter');
      await wb.until('the search', () => studio.locator('#dataset-count').textContent(), (t) => t === `${great.length} of 30 rows`, { timeout: 30_000 });
      const texts = await studio.locator('#dataset-table td.cell-text').allTextContents();
      if (texts.length !== great.length || texts.some((t) => !t.toLowerCase().includes('great'))) throw new Error(`the search shows ${JSON.stringify(texts)}`);
      if (!texts.includes(`great ${XSS_TEXT}, really`) || !texts.includes('a great film,\nspread over "two" lines')) throw new Error(`text not shown literally: ${JSON.stringify(texts)}`);
      const images = await studio.locator('img').count();
      if (images !== 0) throw new Error(`the Studio contains ${images} <img> element(s): dataset text was parsed as HTML`);
      log(`search "GREAT": ${await studio.locator('#dataset-count').textContent()}; ${JSON.stringify(XSS_TEXT)} shown literally`);
      await wb.screenshot(path.join(out, '32-dataset-grid-search.png'));
      // And by label.
      await studio.locator('#dataset-label').selectOption('positive');
      const positives = great.filter((r) => r.label === 'positive').length;
      await wb.until('the label filter', () => studio.locator('#dataset-count').textContent(), (t) => t === `${positives} of 30 rows`, { timeout: 30_000 });
      // The file changes on disk: the grid reads it again, keeping the query.
      fs.appendFileSync(file, 'another great one,positive\nnot so great,negative\n');
      await wb.until('the re-read file', () => studio.locator('#dataset-count').textContent(), (t) => t === `${positives + 1} of 32 rows`, { timeout: 30_000 });
      log(`after the file changed: ${await studio.locator('#dataset-count').textContent()}`);
      await wb.screenshot(path.join(out, '33-dataset-grid-label-reread.png'));
      // From the prompt view: the dev role's Open button shows that file, with the prompt's label column.
      const { dev } = writeSmallSplits(runDir);
      const sidebar = await selectDevDataset(wb, dev);
      const open = sidebar.locator('#dataset-roles li[data-role="dev"] vscode-button', { hasText: 'Open' });
      await wb.until('the dev role\'s Open button', () => open.count(), (n) => n === 1, { timeout: 60_000 });
      await open.click();
      const studioAgain = await wb.webview('studio', { timeout: 60_000 });
      const origin = await wb.until('the dev dataset in the grid', () => studioAgain.locator('.dataset-view header').textContent(),
        (t) => t?.includes('sst2-small-dev.jsonl') && t.includes('the dev dataset of sst2-overall.prompt') && /40 rows · (positive|negative) \d+% · (positive|negative) \d+%/.test(t), { timeout: 60_000 });
      log(`from the prompt view: ${origin}`);
      await wb.screenshot(path.join(out, '34-dataset-grid-from-prompt.png'));
    },
  },
];

/** What has focus in a webview frame: id, tag, aria-label, value (text fields), data-sort (results headers). */
function focused(frame) {
  return frame.evaluate(() => {
    const a = document.activeElement;
    return { id: a?.id ?? '', tag: a?.localName ?? '', label: a?.getAttribute('aria-label') ?? '', value: typeof a?.value === 'string' ? a.value : undefined, sort: a?.getAttribute('data-sort') ?? '' };
  });
}

/**
 * Focus survives the prompt view's re-renders (issue 15, item 7): ▶ Next row clicked, then pressed from the
 * keyboard, keeps focus while the row changes; a row number typed (not yet entered) keeps its focus and text
 * while an update re-renders the view.
 */
async function keepsFocus(wb, sidebar, log) {
  const next = sidebar.locator('vscode-button[aria-label="Next row"]');
  const field = sidebar.locator('#row-index');
  const start = Number(await field.evaluate((f) => f.value));
  for (let i = 1; i <= 2; i++) {
    // A click first (it focuses the button, also in a webview frame without focus), then the keyboard.
    if (i === 1) await next.click();
    else await wb.page.keyboard.press('Enter');
    await wb.until(`row ${start + i} in the prompt view`, () => field.evaluate((f) => f.value), (v) => Number(v) === start + i, { timeout: 30_000 });
    const now = await focused(sidebar);
    if (now.label !== 'Next row') throw new Error(`focus left ▶ Next row when the prompt view re-rendered: ${JSON.stringify(now)}`);
  }
  await field.click();
  await wb.page.keyboard.press('Control+A');
  await wb.page.keyboard.type('17');
  // The update: a click event dispatched on ▶ Next row (no focus change, as a host update while typing).
  const before = await sidebar.locator('#rendered-prompt').textContent();
  await next.dispatchEvent('click');
  await wb.until('the next row rendered', () => sidebar.locator('#rendered-prompt').textContent(), (t) => t !== before, { timeout: 30_000 });
  const typing = await focused(sidebar);
  log(`while typing, the re-render kept ${JSON.stringify(typing)}`);
  if (typing.id !== 'row-index' || typing.value !== '17') throw new Error(`the row field lost its focus or typed text on a re-render: ${JSON.stringify(typing)}`);
  await wb.page.keyboard.press('Escape');
}

/** Train Soft Prompt on PROMPT up to its options list; the datasets are remembered when the training scenario ran, otherwise chosen now. */
async function openTrainOptions(wb) {
  await wb.openFile(PROMPT);
  await wb.runCommand('Prompt Tuning: Train Soft Prompt');
  for (;;) {
    const title = await wb.until('the Train quick pick', () => wb.quickInputTitle(), (t) => /training dataset|dev dataset|Train a soft prompt/.test(t ?? ''), { timeout: 60_000, interval: 200 });
    if (title.includes('training dataset')) await wb.answerQuickPick('training dataset', 'data/sst2/train.jsonl');
    else if (title.includes('dev dataset')) await wb.answerQuickPick('dev dataset', 'data/sst2/dev.jsonl');
    else break;
  }
}

/** The first-run scenario in an empty folder: Get Started, the walkthrough's Open Samples, Select Model, ▶ Test. */
async function firstRun(wb, out, log, folder, model) {
  await wb.runCommand('Prompt Tuning: Get Started');
  const walkthrough = wb.page.locator('.gettingStartedContainer');
  await walkthrough.getByText('Get started with Prompt Tuning').first().waitFor({ timeout: 60_000 });
  await walkthrough.getByText('Open the samples').first().click();
  // The step's markdown renders in a webview beside the steps.
  await wb.until('the step\'s markdown', () => wb.webviewText('A file you already have is never overwritten'), (found) => found, { timeout: 30_000 });
  await wb.screenshot(path.join(out, '14-walkthrough.png'));
  // The step's button runs the command.
  await walkthrough.locator('.button-link, button, a', { hasText: /^Open Samples$/ }).first().click();
  await wb.page.locator('.tabs-container .tab.active', { hasText: 'reviews.prompt' }).first().waitFor({ timeout: 60_000 });
  const copied = ['reviews.prompt', 'review-verdict.prompt', 'data/reviews-train.jsonl', 'data/reviews-dev.jsonl']
    .filter((f) => fs.existsSync(path.join(folder, 'prompt-tuning-samples', f)));
  if (copied.length !== 4) throw new Error(`Open Samples copied only ${copied.join(', ')}`);
  log(`samples copied: ${copied.join(', ')}`);
  // No model yet: Select Model → Choose a folder… → the shared model folder (VS Code's simple file dialog in code-server).
  await wb.runCommand('Prompt Tuning: Select Model');
  await wb.answerQuickPick('Select Model', 'Choose a folder');
  await wb.until('the folder dialog', () => wb.quickInputVisible(), (v) => v, { timeout: 30_000, interval: 200 });
  const input = wb.page.locator('.quick-input-widget input').first();
  await input.fill(`${model}/`);
  await sleep(1000);
  await wb.page.keyboard.press('Enter');
  await sleep(1000);
  // The dialog may stay open on the folder it navigated into: accept it with its OK button.
  if (await wb.quickInputVisible()) {
    const ok = wb.page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ });
    if ((await ok.count()) > 0) await ok.first().click();
    else await wb.page.keyboard.press('Enter');
  }
  // The folder is outside the workspace: the extension asks where the absolute path may go.
  const where = wb.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Workspace settings (absolute path)' });
  await where.first().waitFor({ timeout: 30_000 });
  await where.first().click();
  await wb.until('the status bar to show the model', () => wb.page.locator('.statusbar-item', { hasText: path.basename(model) }).count(), (n) => n > 0, { timeout: 60_000 });
  // The sample's datasets were remembered by Open Samples: ▶ Test asks only for the row.
  await wb.clickCodeLens('▶ Test', 'reviews.prompt');
  await wb.answerQuickPick('Test reviews.prompt on');
  const result = await wb.waitForInlineDecoration((t) => t.startsWith('→'), { timeout: 240_000 });
  log(`inline result on the sample: ${result}`);
  if (!/→ (positive|negative)\s+·/.test(result)) throw new Error(`unexpected inline result ${JSON.stringify(result)}`);
  await wb.screenshot(path.join(out, '15-first-run-sample-tested.png'));
}

/** 40 and 30 rows of SST-2 dev as small dev and test files in the workspace (paths relative to it). */
function writeSmallSplits(runDir) {
  const ws = path.join(runDir, 'ws');
  const lines = fs.readFileSync(path.join(ws, 'data', 'sst2', 'dev.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const dev = 'data/sst2-small-dev.jsonl';
  const test = 'data/sst2-small-test.jsonl';
  fs.writeFileSync(path.join(ws, dev), lines.slice(0, 40).join('\n') + '\n');
  fs.writeFileSync(path.join(ws, test), lines.slice(40, 70).join('\n') + '\n');
  return { dev, test };
}
