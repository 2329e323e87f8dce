// Packages the extension as one .vsix per target platform (`vsce package --target <t>`), each shipping only
// that platform's native binaries (onnxruntime-node, sharp), and prints each file's size.
//
//   node scripts/package-vsix.mjs                      every target whose onnxruntime binaries are installed
//   node scripts/package-vsix.mjs --target linux-x64   just that one (repeatable)
//   options: --out-dir DIR (default dist), --no-build (use the existing out/)
//
// The last line printed is a JSON summary: {"vsix":[{"target","file","bytes"}]}.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import AdmZip from 'adm-zip';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const { values } = parseArgs({
  options: {
    target: { type: 'string', multiple: true },
    'out-dir': { type: 'string', default: 'dist' },
    'no-build': { type: 'boolean', default: false },
  },
});

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const ortBin = onnxruntimeBinDir();
const installed = listOrtPlatforms(ortBin);
const targets = values.target ?? installed.map(({ os: o, arch }) => `${o}-${arch}`);
for (const target of targets) {
  const [o, arch] = splitTarget(target);
  if (!installed.some((p) => p.os === o && p.arch === arch)) {
    fail(`no onnxruntime-node binaries for ${target} under ${path.relative(root, ortBin)} (installed: ${installed.map((p) => `${p.os}-${p.arch}`).join(', ')})`);
  }
}

if (!values['no-build']) run('npm', ['run', 'build']);
for (const required of [pkg.main, 'out/webview/main-studio.js', 'out/webview/main-sidebar.js']) {
  if (!fs.existsSync(required)) fail(`${required} is missing: run npm run build first`);
}

const outDir = path.resolve(values['out-dir']);
const nativeCache = path.join(os.homedir(), '.cache', 'ptune-vsix-native');
fs.mkdirSync(outDir, { recursive: true });
const baseIgnore = fs.readFileSync('.vscodeignore', 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-vsix-'));
const results = [];
try {
  for (const target of targets) {
    const [o, arch] = splitTarget(target);
    const ignoreFile = path.join(tmp, `${target}.vscodeignore`);
    fs.writeFileSync(ignoreFile, `${baseIgnore}\n# Other platforms' native binaries (added for ${target})\n${otherPlatformPatterns(o, arch).join('\n')}\n`);
    const file = path.join(outDir, `${pkg.name}-${target}-${pkg.version}.vsix`);
    const started = Date.now();
    const borrowed = addMissingPlatformPackages(o, arch);
    try {
      run(process.execPath, [vsceBin(), 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', file,
        '--allow-missing-repository', '--skip-license', '--no-update-package-json']);
    } finally {
      for (const dir of borrowed) fs.rmSync(dir, { recursive: true, force: true });
    }
    checkLocalization(file);
    const bytes = fs.statSync(file).size;
    results.push({ target, file: path.relative(root, file), bytes });
    console.log(`${target}: ${path.relative(root, file)} ${(bytes / 1024 / 1024).toFixed(1)} MB (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify({ vsix: results }));

/**
 * The English texts of package.json's `%key%` references (package.nls.json), any translations of them
 * (package.nls.<locale>.json) and of the code's vscode.l10n texts (the `l10n` folder package.json names) must
 * be in the .vsix, or VS Code shows the raw `%key%`s.
 */
function checkLocalization(vsix) {
  const entries = new Set(new AdmZip(vsix).getEntries().map((e) => e.entryName));
  const wanted = fs.readdirSync(root).filter((f) => /^package\.nls(\.[\w-]+)?\.json$/.test(f));
  if (!wanted.includes('package.nls.json')) fail('package.nls.json is missing: package.json\'s %key% texts have no English');
  if (pkg.l10n) {
    const dir = path.join(root, pkg.l10n);
    if (!fs.existsSync(dir)) fail(`package.json names l10n folder ${pkg.l10n}, which does not exist`);
    for (const f of fs.readdirSync(dir)) wanted.push(path.posix.join(path.relative(root, dir).split(path.sep).join('/'), f));
  }
  const missing = wanted.filter((f) => !entries.has(`extension/${f}`));
  if (missing.length > 0) fail(`${path.relative(root, vsix)} lacks ${missing.join(', ')}: check .vscodeignore`);
}

/** Ignore patterns for every native binary that does not belong to `o`-`arch`. */
function otherPlatformPatterns(o, arch) {
  const patterns = [];
  const ortRel = path.relative(root, ortBin).split(path.sep).join('/');
  for (const p of installed) {
    if (p.os !== o || p.arch !== arch) patterns.push(`${ortRel}/${p.os}/${p.arch}/**`);
  }
  // sharp (loaded by @huggingface/transformers) keeps its binaries in @img/sharp-<os>-<arch> and
  // @img/sharp-libvips-<os>-<arch>; npm installs only the host's, and those must not ship elsewhere.
  const imgDir = path.join(root, 'node_modules', '@img');
  if (fs.existsSync(imgDir)) {
    for (const name of fs.readdirSync(imgDir)) {
      const match = /^sharp-(?:libvips-)?(?:wasm32|([a-z0-9]+)-([a-z0-9]+))$/.exec(name);
      if (match && !(match[1] === o && match[2] === arch)) patterns.push(`node_modules/@img/${name}/**`);
    }
  }
  return patterns;
}

/**
 * sharp (required by @huggingface/transformers when it loads) keeps its native code in optional packages,
 * one per platform, and npm installs only the host's. For another target, the matching ones are fetched
 * from the npm registry once (cached in ~/.cache/ptune-vsix-native) and put into node_modules just while
 * vsce packs; returns the folders to remove afterwards.
 */
function addMissingPlatformPackages(o, arch) {
  const sharpPkg = path.join(root, 'node_modules', 'sharp', 'package.json');
  if (!fs.existsSync(sharpPkg)) return [];
  const optional = JSON.parse(fs.readFileSync(sharpPkg, 'utf8')).optionalDependencies ?? {};
  const wanted = [`@img/sharp-${o}-${arch}`, `@img/sharp-libvips-${o}-${arch}`].filter((name) => optional[name]);
  const borrowed = [];
  for (const name of wanted) {
    const dest = path.join(root, 'node_modules', ...name.split('/'));
    if (fs.existsSync(dest)) continue;
    const spec = `${name}@${optional[name]}`;
    fs.mkdirSync(nativeCache, { recursive: true });
    const tarball = path.join(nativeCache, `${name.replace('@', '').replace('/', '-')}-${optional[name]}.tgz`);
    if (!fs.existsSync(tarball)) {
      console.log(`fetching ${spec} (sharp's native code for ${o}-${arch}) from the npm registry`);
      const packed = execFileSync('npm', ['pack', spec, '--pack-destination', nativeCache, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
      fs.renameSync(path.join(nativeCache, packed), tarball);
    }
    fs.mkdirSync(dest, { recursive: true });
    borrowed.push(dest);
    execFileSync('tar', ['xzf', tarball, '-C', dest, '--strip-components=1']);
  }
  return borrowed;
}

function onnxruntimeBinDir() {
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')), 'bin');
  const napi = fs.readdirSync(dir).filter((d) => d.startsWith('napi-v'));
  if (napi.length !== 1) fail(`expected one napi-v* folder under ${dir}, found ${napi.join(', ') || 'none'}`);
  return path.join(dir, napi[0]);
}

function listOrtPlatforms(dir) {
  return fs.readdirSync(dir).flatMap((o) => fs.readdirSync(path.join(dir, o))
    .filter((arch) => fs.existsSync(path.join(dir, o, arch, 'onnxruntime_binding.node')))
    .map((arch) => ({ os: o, arch })));
}

function splitTarget(target) {
  const match = /^(linux|darwin|win32|alpine)-(x64|arm64|armhf)$/.exec(target);
  if (!match) fail(`unknown target "${target}": use e.g. linux-x64, linux-arm64, darwin-arm64, win32-x64`);
  return [match[1] === 'alpine' ? 'linux' : match[1], match[2]];
}

function vsceBin() {
  return createRequire(import.meta.url).resolve('@vscode/vsce/vsce');
}

function run(command, args) {
  execFileSync(command, args, { stdio: 'inherit' });
}

function fail(message) {
  console.error(`package-vsix: ${message}`);
  process.exit(1);
}
