// Starts a throwaway code-server (real VS Code in a browser) on a loopback port with a fresh profile,
// the packaged .vsix installed and nothing reaching the network; stops its whole process group.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A free loopback port. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ bin: string, runDir: string, vsix: string, workspace: string, log: (m: string) => void, trust?: boolean }} options
 *   trust: Workspace Trust on (an untrusted folder opens in Restricted Mode, without the startup dialog);
 *   off by default, so every folder is trusted.
 * @returns {Promise<{ url: string, stop: () => Promise<void>, logFile: string }>}
 */
export async function startCodeServer({ bin, runDir, vsix, workspace, log, env: extraEnv = {}, trust = false }) {
  const port = await freePort();
  const dirs = {
    home: path.join(runDir, 'home'), userData: path.join(runDir, 'user-data'), extensions: path.join(runDir, 'extensions'),
    xdgConfig: path.join(runDir, 'xdg-config'), xdgData: path.join(runDir, 'xdg-data'), xdgCache: path.join(runDir, 'xdg-cache'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': trust,
    ...(trust ? { 'security.workspace.trust.startupPrompt': 'never' } : {}),
    'chat.disableAIFeatures': true,
    'editor.codeLens': true,
    'window.commandCenter': false,
  }, null, 2));
  const config = path.join(runDir, 'config.yaml');
  fs.writeFileSync(config, `auth: none\nbind-addr: 127.0.0.1:${port}\ncert: false\n`);
  const env = {
    ...process.env,
    ...extraEnv,
    HOME: dirs.home, XDG_CONFIG_HOME: dirs.xdgConfig, XDG_DATA_HOME: dirs.xdgData, XDG_CACHE_HOME: dirs.xdgCache,
    // The extension gallery points at a closed loopback port: nothing tries the marketplace.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item', resourceUrlTemplate: 'http://127.0.0.1:9/res' }),
  };
  const common = ['--config', config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  let t = Date.now();
  execFileSync(bin, [...common, '--install-extension', vsix], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  log(`installed ${path.basename(vsix)} in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const logFile = path.join(runDir, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  t = Date.now();
  // detached: code-server and every child (extension host, pty host, watcher) share one new process group.
  const child = spawn(bin, [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry',
    '--disable-update-check', ...(trust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', workspace],
  { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const pgid = child.pid;
  const stop = async () => {
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
    if (groupAlive(pgid)) {
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
    }
    log(`code-server process group ${pgid} stopped`);
  };
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  for (let i = 0; i < 600; i++) {
    if (await healthy(port)) {
      log(`code-server up in ${((Date.now() - t) / 1000).toFixed(1)} s (pgid ${pgid}, log ${logFile})`);
      return { url, stop, logFile };
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  await stop();
  throw new Error(`code-server did not come up; see ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function healthy(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    return response.ok;
  } catch {
    return false;
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
