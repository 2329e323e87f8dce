/** `ptune models download|list|info`: models from the Hugging Face hub, in the cache Python's huggingface_hub shares. */
import type { Command } from 'commander';
import { UserError } from '../../engine/errors';
import { scanCache } from '../../hub/cache';
import { ensureModel, formatBytes } from '../../hub/download';
import { modelInfo } from '../../hub/info';
import { parseHubId, type HubModelId } from '../../hub/model-id';
import { hubSettings } from '../../hub/settings';
import { downloadProgressReporter, withInterrupt } from '../hub-progress';
import { line, type CliIo } from '../io';
import { textTable } from '../table';

/** ID[@revision] and --revision, which may not disagree. */
function idWithRevision(text: string, revision: string | undefined): HubModelId {
  const id = parseHubId(text, 'ID');
  if (revision === undefined) return id;
  if (id.revision !== undefined && id.revision !== revision) throw new UserError(`ID says @${id.revision} and --revision says ${revision}: give one`);
  return parseHubId(`${id.repo}@${revision}`, 'ID');
}

export function registerModels(program: Command, io: CliIo): void {
  const models = program.command('models').description('download, list and inspect models from the Hugging Face hub (the cache Python\'s huggingface_hub uses)');

  models
    .command('download')
    .description('download a model (config, tokenizer, safetensors weights only) into the Hugging Face cache')
    .argument('<id>', 'owner/name, optionally @revision (a branch, tag or commit)')
    .option('--revision <rev>', 'branch, tag or commit (default main)')
    .option('--refresh', 'ask the hub even when the revision is cached (a branch may have moved)')
    .action(async (text: string, o: Record<string, unknown>) => {
      const id = idWithRevision(text, o.revision as string | undefined);
      const progress = downloadProgressReporter(io.stderr, `download ${text}`);
      const got = await withInterrupt(io, (signal) =>
        ensureModel(id, { settings: hubSettings(io.env), signal, refresh: o.refresh === true, onProgress: progress.onProgress, onMessage: progress.onMessage }),
      ).finally(() => progress.close());
      line(io.stderr, got.fromCache ? `${got.id}: already in the cache` : `${got.id}: downloaded`);
      line(io.stdout, JSON.stringify({ id: got.id, revision: got.revision, commit: got.commit, path: got.path, fromCache: got.fromCache }));
    });

  models
    .command('list')
    .description('the models in the Hugging Face cache ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)')
    .option('--json', 'print one JSON array as the last stdout line')
    .action((o: Record<string, unknown>) => {
      const settings = hubSettings(io.env);
      const found = scanCache(settings.cacheDir);
      if (o.json === true) {
        line(io.stdout, JSON.stringify(found));
        return;
      }
      if (found.length === 0) {
        line(io.stdout, `no models in ${settings.cacheDir}`);
        return;
      }
      const rows = found.map((m) => [m.id, m.refs.join(',') || m.commit.slice(0, 10), formatBytes(m.sizeBytes), m.modelType ?? '?', m.supported ? 'yes' : `no: ${m.reason}`]);
      for (const l of textTable(['id', 'revision', 'size', 'type', 'usable'], rows, ['left', 'left', 'right', 'left', 'left'])) line(io.stdout, l);
      line(io.stdout, `(${settings.cacheDir})`);
    });

  models
    .command('info')
    .description('model type, parameters, F32 memory, download size, gated, license: from the hub (or the cache offline), without downloading the weights')
    .argument('<id>', 'owner/name, optionally @revision')
    .option('--revision <rev>', 'branch, tag or commit (default main)')
    .option('--json', 'print one JSON object as the last stdout line')
    .action(async (text: string, o: Record<string, unknown>) => {
      const info = await modelInfo(idWithRevision(text, o.revision as string | undefined), hubSettings(io.env));
      if (o.json === true) {
        line(io.stdout, JSON.stringify(info));
        return;
      }
      const rows: [string, string][] = [
        ['id', info.id],
        ['commit', info.commit ?? '?'],
        ['model type', `${info.modelType ?? '?'} (${info.supported ? 'supported' : info.reason})`],
        ['parameters', info.parameters !== undefined ? `${(info.parameters / 1e6).toFixed(1)} M` : '?'],
        ['memory (F32)', info.f32Bytes !== undefined ? formatBytes(info.f32Bytes) : '?'],
        ['download', info.downloadBytes !== undefined ? formatBytes(info.downloadBytes) : '?'],
        ['gated', info.gated ? `yes (${info.gated}): accept the license on the model page and set HF_TOKEN` : 'no'],
        ['license', info.license ?? '?'],
        ['cached', info.cached ? 'yes' : 'no'],
      ];
      for (const [k, v] of rows) line(io.stdout, `${k.padEnd(13)} ${v}`);
    });
}
