#!/usr/bin/env node
// npm run test:e2e — the extension in real VS Code (code-server) in a real browser (Debian's Chromium),
// offline: build → package the linux-x64 .vsix → install code-server (cached) → run the scenarios →
// screenshots in test-results/. Exits non-zero when any scenario fails; the last line is the summary.
//
// Env: E2E_SKIP_BUILD=1 reuses out/ and dist/ (iteration); E2E_ONLY=<n,…> runs those scenarios (1-based);
// E2E_KEEP=1 keeps the temporary run folder; PTUNE_E2E_CACHE overrides where code-server is cached.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startCodeServer } from './codeServer.mjs';
import { GENERATION_E2E_PROMPT, HUB_MODEL_ID, PROMPT, scenarios, XSS_TEXT } from './scenarios.mjs';
import { Workbench } from './workbench.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const shared = path.resolve(repo, '..', 'shared');
const out = path.join(repo, 'test-results');
const t0 = Date.now();
/** Files this suite writes into test-results/: scenario screenshots, failure shots and copied logs. */
const OWN_RESULT = /^(\d\d-.*\.png|failed-\d+\.png|e2e-.*\.log)$/;
const log = (m) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

const model = path.join(shared, 'models', 'imdb-gpt2-small');
const sst2 = path.join(shared, 'datasets', 'sst2');
if (!fs.existsSync(model) || !fs.existsSync(sst2)) {
  const message = `${shared} (the shared model and SST-2) is missing`;
  if (process.env.CI === 'true') {
    console.error(`e2e: FAILED: ${message}; CI must run with ../shared beside the repository`);
    process.exit(1);
  }
  console.log(`e2e: skipped: ${message}`);
  process.exit(0);
}

const sh = (command, args, options = {}) => execFileSync(command, args, { cwd: repo, stdio: 'inherit', ...options });
if (process.env.E2E_SKIP_BUILD !== '1') {
  log('build');
  sh('npm', ['run', 'build']);
  log('package linux-x64 .vsix');
  sh(process.execPath, ['scripts/package-vsix.mjs', '--target', 'linux-x64', '--no-build']);
}
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const vsix = path.join(repo, 'dist', `${pkg.name}-linux-x64-${pkg.version}.vsix`);
if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run without E2E_SKIP_BUILD`);
log('code-server setup');
const setupOutput = execFileSync('bash', [path.join(repo, 'test/e2e/setup.sh')], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const codeServerBin = setupOutput.trim().split('\n').pop();

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-e2e-'));
const workspace = path.join(runDir, 'ws');
makeWorkspace(workspace);
log(`workspace ${workspace}`);
const selected = process.env.E2E_ONLY ? new Set(process.env.E2E_ONLY.split(',').map(Number)) : undefined;
if (scenarios.some((s, i) => s.needsReport && (!selected || selected.has(i + 1)))) makeBenchReport(workspace);
if (scenarios.some((s, i) => s.needsGenerationFixtures && (!selected || selected.has(i + 1)))) makeGenerationFixtures(workspace);

// test-results/ is shared with other suites: clear only this suite's files from an earlier run.
fs.mkdirSync(out, { recursive: true });
for (const file of fs.readdirSync(out)) if (OWN_RESULT.test(file)) fs.rmSync(path.join(out, file));
const results = [];
let server;
/** Further code-servers that scenarios start (startServer below), stopped at the end. */
const extraServers = [];
let browser;
let hub;
// Ctrl-C or a CI timeout: still stop the code-server process group.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    void Promise.resolve(browser?.close()).catch(() => undefined).then(() => server?.stop()).finally(() => process.exit(130));
  });
}
try {
  hub = await startLoopbackHub();
  // The extension reads the hub settings from its environment, as Python's huggingface_hub does.
  const serverEnv = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: path.join(runDir, 'hf-cache'), HF_TOKEN: '' };
  server = await startCodeServer({ bin: codeServerBin, runDir, vsix, workspace, log, env: serverEnv });
  const profile = path.join(runDir, 'chromium');
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: path.join(profile, 'xdg-config'), XDG_CACHE_HOME: path.join(profile, 'xdg-cache') },
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Only loopback: anything else (CDNs, marketplace, telemetry) is aborted.
  await browser.route(/^(?!https?:\/\/(127\.0\.0\.1|localhost)[:/]).*/, (route) => {
    const url = route.request().url();
    return url.startsWith('data:') || url.startsWith('blob:') ? route.continue() : route.abort();
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(60_000);
  const cspViolations = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(text) && /vscode-cdn|vscode-resource|webview|fake\.html/i.test(`${text} ${message.location().url}`)) {
      cspViolations.push(text);
    }
  });
  page.on('dialog', (dialog) => {
    cspViolations.push(`unexpected dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(server.url, { waitUntil: 'domcontentloaded' });
  const wb = new Workbench(page, log);
  await wb.waitReady();
  log('workbench ready');

  for (const [index, scenario] of scenarios.entries()) {
    if (selected && !selected.has(index + 1)) continue;
    const started = Date.now();
    log(`▶ ${index + 1}. ${scenario.name}`);
    try {
      await scenario.run({
        wb, out, log, runDir, model, browser, serverUrl: server.url,
        /** The workbench URL of another folder, in the same code-server. */
        folderUrl: (folder) => `${new URL(server.url).origin}/?folder=${encodeURIComponent(folder)}`,
        /** Another code-server with its own profile, on `folder`; `trust: true` turns Workspace Trust on. */
        startServer: async ({ folder, trust }) => {
          const started = await startCodeServer({ bin: codeServerBin, runDir: fs.mkdtempSync(path.join(runDir, 'server-')), vsix, workspace: folder, log, env: serverEnv, trust });
          extraServers.push(started);
          return started;
        },
      });
      results.push({ name: scenario.name, ok: true, seconds: (Date.now() - started) / 1000 });
      log(`✔ ${index + 1}. ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      results.push({ name: scenario.name, ok: false, seconds: (Date.now() - started) / 1000, error: error.message });
      log(`✘ ${index + 1}. ${scenario.name}: ${error.message}`);
      await page.screenshot({ path: path.join(out, `failed-${index + 1}.png`) }).catch(() => undefined);
      await wb.closeQuickInput().catch(() => undefined);
    }
  }
  if (cspViolations.length > 0) {
    results.push({ name: 'no Content-Security-Policy violations or dialogs from the webviews', ok: false, error: cspViolations.slice(0, 5).join(' | ') });
  } else {
    results.push({ name: 'no Content-Security-Policy violations or dialogs from the webviews', ok: true });
  }
} catch (error) {
  results.push({ name: 'start code-server and the workbench', ok: false, error: error.message });
} finally {
  await browser?.close().catch(() => undefined);
  for (const extra of extraServers) await extra.stop();
  await server?.stop();
  await hub?.stop();
  if (server && results.some((r) => !r.ok)) {
    const tail = fs.readFileSync(server.logFile, 'utf8').split('\n').slice(-40).join('\n');
    console.log(`--- code-server log (last lines) ---\n${tail}`);
    copyExtensionLogs(runDir, out);
  }
  if (process.env.E2E_KEEP === '1') log(`kept ${runDir}`);
  else fs.rmSync(runDir, { recursive: true, force: true });
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
for (const r of results) console.log(`${r.ok ? '  ✔' : '  ✘'} ${r.name}${r.ok ? '' : `: ${r.error}`}`);
console.log(`screenshots: ${fs.readdirSync(out).filter((f) => OWN_RESULT.test(f) && f.endsWith('.png')).sort().join(', ')}`);
console.log(`e2e: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
process.exit(failed === 0 ? 0 : 1);

/** The test workspace: example prompts, SST-2 and a dataset of markup-looking text, the shared model selected. */
function makeWorkspace(ws) {
  fs.mkdirSync(path.join(ws, 'examples'), { recursive: true });
  fs.mkdirSync(path.join(ws, 'data', 'sst2'), { recursive: true });
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  for (const file of fs.readdirSync(path.join(repo, 'examples'))) {
    if (file.endsWith('.prompt')) fs.copyFileSync(path.join(repo, 'examples', file), path.join(ws, 'examples', file));
  }
  if (!fs.existsSync(path.join(ws, PROMPT))) throw new Error(`${PROMPT} is missing from examples/`);
  for (const split of ['train', 'dev']) fs.copyFileSync(path.join(sst2, `${split}.jsonl`), path.join(ws, 'data', 'sst2', `${split}.jsonl`));
  fs.writeFileSync(path.join(ws, 'examples', 'xss-check.prompt'), [
    '---', 'name: xss-check', 'task: classification', 'inputs: [text]', 'label_column: label',
    'labels:', '  negative: " bad"', '  positive: " good"', '---', 'Review: {{ text }} Overall, it was', '',
  ].join('\n'));
  fs.writeFileSync(path.join(ws, 'data', 'xss-check.jsonl'), [
    { text: `the trailer shows ${XSS_TEXT} and <b>bold</b> & "quotes"`, label: 'positive' },
    { text: 'a dull <script>alert(2)</script> film', label: 'negative' },
  ].map((row) => JSON.stringify(row)).join('\n') + '\n');
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({
    'promptTuning.model': model,
    'promptTuning.cacheDirectory': path.join(runDir, 'cache'),
    'promptTuning.threads': Math.max(1, Math.min(4, os.availableParallelism())),
    // Small steps, more than the scenario waits for: it cancels after the chart has moved (200 steps could finish first).
    'promptTuning.training.steps': 5000,
    'promptTuning.training.batchSize': 2,
    'promptTuning.training.virtualTokens': 4,
    'promptTuning.training.evalEvery': 2,
    'promptTuning.training.evalLimit': 8,
  }, null, 2));
}

/**
 * A Hugging Face hub on loopback (the unit tests' fake hub, with the real URL layout and headers), serving the
 * shared tiny Llama as HUB_MODEL_ID; the CDN waits a little per file so the progress notification is seen.
 */
async function startLoopbackHub() {
  const { FakeHub, commitSha } = (await import(path.join(repo, 'out', 'test', 'hub', 'fake-hub.js'))).default;
  const source = path.join(shared, 'models', 'tiny-llama');
  const files = Object.fromEntries(
    ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'model.safetensors']
      .map((f) => [f, fs.readFileSync(path.join(source, f))]),
  );
  const commit = commitSha('e2e');
  const fake = new FakeHub({ [HUB_MODEL_ID]: { refs: { main: commit }, commits: { [commit]: files } } });
  fake.cdnDelayMs = 1500;
  await fake.start();
  log(`loopback hub ${fake.endpoint} serving ${HUB_MODEL_ID}`);
  return fake;
}

/** A real report.json from `ptune bench` on a few SST-2 rows, for the "open a benchmark report" scenario. */
function makeBenchReport(ws) {
  const started = Date.now();
  sh(process.execPath, [path.join(repo, 'bin', 'ptune.js'), 'bench', '--model', model, '--data', path.join(ws, 'data', 'sst2', 'dev.jsonl'),
    '--hard', path.join(ws, 'examples', 'sst2-overall.prompt'), '--hard', path.join(ws, 'examples', 'sst2-rating.prompt'),
    '--limit', '16', '--out', path.join(ws, 'bench')], { stdio: ['ignore', 'inherit', 'inherit'] });
  log(`bench report written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * For the Playground and generation scenarios: soft prompts, one per shared model they may run on (the Select
 * Model scenario switches to the tiny Llama), from a few steps of tuning on the generation example; and a short
 * generation prompt with a three-row dataset, so Run on dataset finishes in seconds.
 */
function makeGenerationFixtures(ws) {
  const started = Date.now();
  for (const name of ['imdb-gpt2-small', 'tiny-llama']) {
    sh(process.execPath, [path.join(repo, 'bin', 'ptune.js'), 'train', '--model', path.join(shared, 'models', name),
      '--train', path.join(ws, 'data', 'sst2', 'train.jsonl'), '--template', path.join(ws, 'examples', 'review-verdict.prompt'),
      '--out', path.join(ws, 'adapters', `playground-${name}`), '--steps', '2', '--batch-size', '2', '--limit', '8', '--virtual-tokens', '4'],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  fs.writeFileSync(path.join(ws, 'examples', GENERATION_E2E_PROMPT), [
    '---', 'name: verdict-e2e', 'task: generation', 'inputs: [text]', 'target_column: label', 'max_new_tokens: 4', '---',
    'Review: {{ text }}', 'Verdict:', '',
  ].join('\n'));
  fs.writeFileSync(path.join(ws, 'data', 'verdicts.jsonl'), [
    { text: 'a moving, funny film', label: 'positive' },
    { text: 'dull and far too long', label: 'negative' },
    { text: 'the best thing I saw this year', label: 'positive' },
  ].map((row) => JSON.stringify(row)).join('\n') + '\n');
  log(`generation fixtures written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Copies the extension host's log (and ours) next to the screenshots, for diagnosing a failure. */
function copyExtensionLogs(run, dest) {
  const logs = path.join(run, 'user-data', 'logs');
  if (!fs.existsSync(logs)) return;
  for (const entry of fs.readdirSync(logs, { recursive: true })) {
    const file = path.join(logs, entry);
    if (/exthost\.log$|Prompt Tuning\.log$|remoteexthost\.log$/.test(entry) && fs.statSync(file).isFile()) {
      fs.copyFileSync(file, path.join(dest, `e2e-${entry.replace(/[\\/ ]/g, '_')}`));
    }
  }
}
