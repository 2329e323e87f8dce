/**
 * Parsing and validating `.prompt` files: YAML front matter (the `yaml` library) + Jinja body. Every problem
 * becomes a Diagnostic with a 1-based range, so the editor can underline it while the user types and the CLI
 * can print `file:line:col: message`.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import { UserError } from '../engine/errors';
import { normalizeSource, splitFrontMatter } from './front-matter';
import { PROMPT_FORMATS, PROMPT_KEYS, SOFT_PROMPT_PLACEMENTS, TASKS, isPromptKey } from './keys';
import { LineMap, closestMatch, didYouMean } from './positions';
import { analyzeBody } from './template';
import { readExpectations, type Expectation } from './expectations';
import { splitChatBody } from './chat';
import type { ChatMessageSource, DatasetContext, Diagnostic, PromptFile, PromptFormat, PromptTask, SoftPromptPlacement, Verbalizer } from './types';

export { PROMPT_KEYS };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_MAX_NEW_TOKENS = 20;

type Range = [number, number];

/** Positions of the settings that later dataset checks point at. */
interface Anchors {
  fence: Range;
  inputs: Map<string, Range>;
  labelsKey?: Range;
  labelKeys: Map<string, Range>;
  labelColumn?: Range;
  targetColumn?: Range;
}

interface Analysis {
  diagnostics: Diagnostic[];
  prompt?: PromptFile;
  anchors: Anchors;
  lines: LineMap;
}

class Collector {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly lines: LineMap) {}

  /** `replacement`: a correction of the text in `range` (a "did you mean" an editor can offer as a quick fix). */
  error(message: string, range: Range, replacement?: string): void {
    this.diagnostics.push({ severity: 'error', message, ...this.span(range), ...(replacement !== undefined ? { replacement } : {}) });
  }

  warning(message: string, range: Range): void {
    this.diagnostics.push({ severity: 'warning', message, ...this.span(range) });
  }

  /** Empty ranges grow to one character where there is one, so an editor has something to underline. */
  private span([start, end]: Range): ReturnType<LineMap['range']> {
    return this.lines.range(start, end > start ? end : Math.min(start + 1, this.lines.text.length));
  }

  get hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }
}

function describeYaml(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing';
    return typeof v === 'string' ? `"${v}"` : String(v);
  }
  return 'an unsupported value';
}

/** Reads the front matter and body; nothing here throws on bad input. */
function analyze(rawText: string, file: string): Analysis {
  const text = normalizeSource(rawText);
  const lines = new LineMap(text);
  const out = new Collector(lines);
  const anchors: Anchors = { fence: [0, Math.min(3, text.length)], inputs: new Map(), labelKeys: new Map() };
  const done = (): Analysis => ({ diagnostics: out.diagnostics, anchors, lines });

  const split = splitFrontMatter(text);
  if ('error' in split) {
    out.error(split.error, [split.start, split.end]);
    return done();
  }
  const { yaml, yamlOffset, body, bodyOffset } = split.parts;
  const at = (node: { range?: [number, number, number] | null } | null | undefined, fallback: Range = anchors.fence): Range =>
    node?.range ? [yamlOffset + node.range[0], yamlOffset + node.range[1]] : fallback;

  const doc = parseDocument(yaml, { lineCounter: new LineCounter(), uniqueKeys: true, prettyErrors: false });
  for (const e of doc.errors) out.error(`YAML: ${e.message}`, [yamlOffset + e.pos[0], yamlOffset + Math.max(e.pos[1], e.pos[0] + 1)]);
  if (doc.errors.length > 0) return done();

  const contents = doc.contents as YamlNode | null;
  const settings = new Map<string, Pair<YamlNode, YamlNode | null>>();
  if (contents !== null && !(isScalar(contents) && contents.value === null)) {
    if (!isMap(contents)) {
      out.error(`the front matter must be "key: value" settings, found ${describeYaml(contents)}`, at(contents));
      return done();
    }
    for (const pair of contents.items as Pair<YamlNode, YamlNode | null>[]) {
      const key = isScalar(pair.key) && pair.key.value !== null ? String(pair.key.value) : undefined;
      if (key === undefined) {
        out.error(isScalar(pair.key) || !pair.key ? 'a setting has no name before its ":"' : 'a setting name must be plain text', at(pair.key, at(pair.value)));
        continue;
      }
      if (!isPromptKey(key)) {
        out.error(`unknown key "${key}"${didYouMean(key, PROMPT_KEYS)}; known keys: ${PROMPT_KEYS.join(', ')}`, at(pair.key), closestMatch(key, PROMPT_KEYS));
        continue;
      }
      settings.set(key, pair);
    }
  }
  const valueOf = (key: string): YamlNode | null | undefined => settings.get(key)?.value;
  const keyRange = (key: string): Range => at(settings.get(key)?.key as YamlNode | undefined);
  const valueRange = (key: string): Range => at(valueOf(key), keyRange(key));
  const isEmpty = (node: YamlNode | null | undefined): boolean => node === null || node === undefined || (isScalar(node) && node.value === null);

  const readText = (key: string, what: string): string | undefined => {
    if (!settings.has(key)) return undefined;
    const node = valueOf(key);
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return String(node.value);
    out.error(`${key} must be ${what}, found ${describeYaml(node)}`, valueRange(key));
    return undefined;
  };
  const readChoice = <T extends string>(key: string, choices: readonly T[], fallback: T): T => {
    if (!settings.has(key)) return fallback;
    const node = valueOf(key);
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    out.error(`${key} must be ${choices.map((c) => `"${c}"`).join(' or ')}, found ${describeYaml(node)}`, valueRange(key));
    return fallback;
  };
  const readInteger = (key: string, min: number, fallback: number): number => {
    if (!settings.has(key)) return fallback;
    const node = valueOf(key);
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
    out.error(`${key} must be a whole number ≥ ${min}, found ${describeYaml(node)}`, valueRange(key));
    return fallback;
  };
  const readNameList = (key: string): { names: string[]; ranges: Range[] } | undefined => {
    if (!settings.has(key)) return undefined;
    const node = valueOf(key);
    if (!isSeq(node)) {
      out.error(`${key} must be a list, e.g. [a, b], found ${describeYaml(node)}`, valueRange(key));
      return undefined;
    }
    const names: string[] = [];
    const ranges: Range[] = [];
    for (const item of node.items as YamlNode[]) {
      if (!isScalar(item) || (typeof item.value !== 'string' && typeof item.value !== 'number')) {
        out.error(`${key} entries must be names, found ${describeYaml(item)}`, at(item, valueRange(key)));
        continue;
      }
      const name = String(item.value);
      if (names.includes(name)) {
        out.error(`"${name}" is listed twice in ${key}`, at(item));
        continue;
      }
      names.push(name);
      ranges.push(at(item));
    }
    return { names, ranges };
  };

  // --- settings -----------------------------------------------------------------------------------------
  const name = readText('name', 'text') ?? defaultName(file);
  const description = readText('description', 'text');
  const task: PromptTask = readChoice('task', TASKS, 'classification');
  const softPrompt: SoftPromptPlacement = readChoice('soft_prompt', SOFT_PROMPT_PLACEMENTS, 'prefix');
  const shots = readInteger('shots', 0, 0);
  const seed = readInteger('seed', 0, 0);
  const maxNewTokens = readInteger('max_new_tokens', 1, DEFAULT_MAX_NEW_TOKENS);
  const format: PromptFormat = readChoice('format', PROMPT_FORMATS, 'text');
  const chatTemplate = readText('chat_template', 'the name of one of the model\'s chat templates');
  let chatTemplateKwargs: Record<string, unknown> | undefined;
  if (settings.has('chat_template_kwargs')) {
    const node = valueOf('chat_template_kwargs');
    if (isMap(node)) chatTemplateKwargs = node.toJSON() as Record<string, unknown>;
    else out.error(`chat_template_kwargs must be a mapping of template variables, e.g. { enable_thinking: false }, found ${describeYaml(node)}`, valueRange('chat_template_kwargs'));
  }
  if (format !== 'chat') {
    for (const key of ['chat_template', 'chat_template_kwargs']) if (settings.has(key)) out.error(`${key} applies only to format: chat`, keyRange(key));
  }

  let inputs: string[] | undefined;
  if (!settings.has('inputs')) {
    out.error('missing required key "inputs" (the dataset columns the body uses, e.g. inputs: [text])', anchors.fence);
  } else {
    const list = readNameList('inputs');
    if (list) {
      inputs = [];
      list.names.forEach((input, i) => {
        const range = list.ranges[i];
        if (input === 'soft_prompt') out.error('"soft_prompt" is reserved for the soft-prompt marker and cannot be an input', range);
        else if (!IDENTIFIER.test(input)) {
          out.error(`input "${input}" is not a valid template variable name (letters, digits and _, not starting with a digit); map the column to another name`, range);
        } else {
          inputs?.push(input);
          anchors.inputs.set(input, range);
        }
      });
      if (list.names.length === 0) out.error('inputs must name at least one dataset column', valueRange('inputs'));
    }
  }

  const classificationOnly = ['labels', 'label_column', 'label_names'];
  const generationOnly = ['target_column', 'target_prefix', 'max_new_tokens'];
  for (const key of task === 'classification' ? generationOnly : classificationOnly) {
    if (settings.has(key)) out.error(`${key} applies only to task: ${task === 'classification' ? 'generation' : 'classification'}`, keyRange(key));
  }

  let labelColumn = 'label';
  const labels: Verbalizer[] = [];
  let labelNames: string[] | undefined;
  let targetColumn: string | undefined;
  let targetPrefix = ' ';
  if (task === 'classification') {
    labelColumn = readText('label_column', 'a column name') ?? 'label';
    if (settings.has('label_column')) anchors.labelColumn = valueRange('label_column');
    labelNames = readNameList('label_names')?.names;
    if (!settings.has('labels')) {
      out.error('missing required key "labels" (the verbalizer: each label and the continuation scored for it, e.g. positive: " great")', anchors.fence);
    } else {
      anchors.labelsKey = keyRange('labels');
      readVerbalizer(valueOf('labels'), labels);
    }
  } else {
    targetColumn = readText('target_column', 'a column name');
    if (settings.has('target_column')) anchors.targetColumn = valueRange('target_column');
    else out.error('task: generation needs target_column (the dataset column with the expected output)', keyRange('task'));
    targetPrefix = readText('target_prefix', 'text') ?? ' ';
  }

  function readVerbalizer(node: YamlNode | null | undefined, into: Verbalizer[]): void {
    if (!isMap(node)) {
      out.error(`labels must map each label to its continuation, e.g. positive: " great", found ${describeYaml(node)}`, valueRange('labels'));
      return;
    }
    const byContinuation = new Map<string, string>();
    for (const pair of node.items as Pair<YamlNode, YamlNode | null>[]) {
      const label = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const keyAt = at(pair.key, anchors.labelsKey);
      if (label === undefined) {
        out.error('a label must be plain text', keyAt);
        continue;
      }
      if (label.trim() === '') {
        out.error(`a label must not be empty or blank (got ${JSON.stringify(label)}): rows could not be told apart from rows with no label`, keyAt);
        continue;
      }
      const value = pair.value;
      if (isEmpty(value)) {
        out.error(`label "${label}" has no continuation; write the text to score, e.g. ${label}: " ${label}"`, keyAt);
        continue;
      }
      if (!isScalar(value) || typeof value.value !== 'string') {
        out.error(`the continuation of "${label}" must be text (quote it, e.g. " ${label}"), found ${describeYaml(value)}`, at(value, keyAt));
        continue;
      }
      const continuation = value.value;
      if (continuation === '') {
        out.error(`the continuation of "${label}" is empty`, at(value, keyAt));
        continue;
      }
      const clash = byContinuation.get(continuation);
      if (clash !== undefined) {
        out.error(`labels "${clash}" and "${label}" have the same continuation ${JSON.stringify(continuation)}, so they could never be told apart`, at(value));
        continue;
      }
      byContinuation.set(continuation, label);
      into.push({ label, continuation });
      anchors.labelKeys.set(label, keyAt);
    }
    if (node.items.length < 2) out.error(`labels needs at least two labels, found ${node.items.length}`, valueRange('labels'));
  }

  let expectations: Expectation[] | undefined;
  if (settings.has('expect')) {
    expectations = readExpectations(valueOf('expect'), task, (node) => lines.position(at(node)[0]).line,
      (p) => out.error(p.message, p.node ? at(p.node, valueRange('expect')) : valueRange('expect')));
  }

  // --- body ---------------------------------------------------------------------------------------------
  const bodyRange: Range = [bodyOffset, Math.min(text.length, bodyOffset + Math.max(1, body.indexOf('\n') < 0 ? body.length : body.indexOf('\n')))];
  const markers: { start: number; end: number }[] = [];
  const used = new Set<string>();
  let messages: ChatMessageSource[] | undefined;
  if (body.trim() === '') {
    out.error('the prompt body is empty: write the prompt text after the closing "---"', [Math.max(0, bodyOffset - 4), bodyOffset]);
  } else {
    // A chat body's messages are templates of their own; a text body is one template.
    const segments: { text: string; offset: number }[] = [];
    if (format === 'chat') {
      const chat = splitChatBody(body);
      for (const p of chat.problems) out.error(p.message, [bodyOffset + p.start, bodyOffset + p.end]);
      messages = chat.sections.map((s) => ({ role: s.role, content: s.content }));
      for (const s of chat.sections) segments.push({ text: s.content, offset: s.contentOffset });
    } else segments.push({ text: body, offset: 0 });
    const analysis = { problems: [] as { message: string; start: number; end: number }[], uses: [] as { name: string; start: number; end: number; bare: boolean }[], unlocated: [] as string[] };
    for (const segment of segments) {
      const part = analyzeBody(segment.text, (offset) => lines.position(bodyOffset + segment.offset + offset).line);
      analysis.problems.push(...part.problems.map((p) => ({ ...p, start: p.start + segment.offset, end: p.end + segment.offset })));
      analysis.uses.push(...part.uses.map((u) => ({ ...u, start: u.start + segment.offset, end: u.end + segment.offset })));
      analysis.unlocated.push(...part.unlocated);
    }
    for (const p of analysis.problems) out.error(p.message, [bodyOffset + p.start, bodyOffset + p.end]);
    for (const use of analysis.uses) {
      const range: Range = [bodyOffset + use.start, bodyOffset + use.end];
      if (use.name === 'soft_prompt') {
        if (use.bare) markers.push({ start: range[0], end: range[1] });
        else out.error('soft_prompt can only be used as a bare {{ soft_prompt }} marker', range);
        continue;
      }
      used.add(use.name);
      if (inputs && !inputs.includes(use.name) && !anchors.inputs.has(use.name)) {
        const listed = inputs.length > 0 ? `[${inputs.join(', ')}]` : 'nothing';
        out.error(`variable "${use.name}" is not listed in inputs (${listed})${didYouMean(use.name, inputs)}`, range, closestMatch(use.name, inputs));
      }
    }
    for (const missing of analysis.unlocated) {
      if (inputs && !inputs.includes(missing) && missing !== 'soft_prompt') out.error(`variable "${missing}" is not listed in inputs`, bodyRange);
      used.add(missing);
    }
    if (analysis.problems.length === 0) {
      if (softPrompt === 'marker' && markers.length === 0) {
        out.error('soft_prompt: marker needs a {{ soft_prompt }} marker in the body where the virtual tokens go', valueRange('soft_prompt'));
      }
      if (softPrompt === 'prefix') {
        for (const m of markers) {
          out.error('{{ soft_prompt }} marks where virtual tokens go, but soft_prompt is "prefix"; set soft_prompt: marker', [m.start, m.end]);
        }
      } else {
        const first = markers[0];
        for (const m of markers.slice(1)) {
          out.error(`{{ soft_prompt }} may appear only once (first on line ${lines.position(first.start).line})`, [m.start, m.end]);
        }
      }
      for (const input of inputs ?? []) {
        if (!used.has(input)) out.warning(`input "${input}" is not used in the body`, anchors.inputs.get(input) ?? valueRange('inputs'));
      }
    }
  }

  const bodyEnd = body.endsWith('\n') ? body.slice(0, -1) : body;
  // A chat prompt's continuation follows the template's generation prompt, not the body's last character.
  if (format === 'text' && /\S$/.test(bodyEnd)) {
    for (const { label, continuation } of labels) {
      if (/^\S/.test(continuation)) {
        const tail = bodyEnd.slice(bodyEnd.lastIndexOf('\n') + 1).slice(-20);
        out.warning(
          `the continuation of "${label}" has no leading space, so it is scored glued to the prompt ("…${tail}${continuation}"); write " ${continuation}" unless that is intended`,
          anchors.labelKeys.get(label) ?? anchors.fence,
        );
      }
    }
  }

  const analysis = done();
  if (!out.hasErrors && inputs) {
    analysis.prompt = {
      file,
      source: text,
      name,
      ...(description !== undefined ? { description } : {}),
      task,
      inputs,
      labelColumn,
      labels,
      ...(labelNames !== undefined ? { labelNames } : {}),
      ...(targetColumn !== undefined ? { targetColumn } : {}),
      targetPrefix,
      maxNewTokens,
      shots,
      seed,
      softPrompt,
      format,
      ...(messages !== undefined ? { messages } : {}),
      ...(chatTemplate !== undefined ? { chatTemplate } : {}),
      ...(chatTemplateKwargs !== undefined ? { chatTemplateKwargs } : {}),
      body,
      bodyLine: lines.position(bodyOffset).line,
      ...(expectations !== undefined ? { expectations } : {}),
    };
  }
  return analysis;
}

function defaultName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.prompt$/i, '') || 'prompt';
}

/** Checks of the prompt against a dataset's columns and labels. */
function checkContext(analysis: Analysis, context: DatasetContext): Diagnostic[] {
  const { prompt, anchors, lines } = analysis;
  if (!prompt) return [];
  const found: Diagnostic[] = [];
  const add = (severity: Diagnostic['severity'], message: string, range: Range, replacement?: string): void => {
    found.push({ severity, message, ...lines.range(range[0], range[1]), ...(replacement !== undefined ? { replacement } : {}) });
  };
  const where = context.file ?? 'the dataset';
  if (context.columns) {
    const columns = context.columns;
    const list = columns.join(', ');
    for (const input of prompt.inputs) {
      if (!columns.includes(input)) {
        const at = anchors.inputs.get(input);
        add('error', `input "${input}" is not a column of ${where} (columns: ${list})${didYouMean(input, columns)}`, at ?? anchors.fence, at && closestMatch(input, columns));
      }
    }
    if (prompt.task === 'classification' && !columns.includes(prompt.labelColumn)) {
      add('error', `label column "${prompt.labelColumn}" is not a column of ${where} (columns: ${list}); set label_column`, anchors.labelColumn ?? anchors.labelsKey ?? anchors.fence);
    }
    if (prompt.task === 'generation' && prompt.targetColumn !== undefined && !columns.includes(prompt.targetColumn)) {
      add('error', `target column "${prompt.targetColumn}" is not a column of ${where} (columns: ${list})`, anchors.targetColumn ?? anchors.fence);
    }
  }
  if (context.labels && prompt.task === 'classification') {
    const known = prompt.labels.map((l) => l.label);
    for (const label of context.labels) {
      if (known.includes(label)) continue;
      const line = context.labelLines?.[label];
      const at = line !== undefined ? ` (first on line ${line})` : '';
      add('error', `label "${label}" in ${where}${at} has no entry under labels${didYouMean(label, known)}`, anchors.labelsKey ?? anchors.fence);
    }
    for (const label of known) {
      if (!context.labels.includes(label)) add('warning', `label "${label}" never occurs in ${where}`, anchors.labelKeys.get(label) ?? anchors.fence);
    }
  }
  return found;
}

/**
 * Every problem in a prompt file's text, optionally checked against a dataset's columns and labels. Never
 * throws: meant for editors that check while the user types.
 */
export function checkPromptText(text: string, file: string, context?: DatasetContext): Diagnostic[] {
  try {
    const analysis = analyze(text, file);
    return context ? [...analysis.diagnostics, ...checkContext(analysis, context)] : analysis.diagnostics;
  } catch (e) {
    return [{ severity: 'error', message: `internal error while checking: ${(e as Error).message}`, line: 1, column: 1 }];
  }
}

export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.line}:${d.column}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

function throwErrors(file: string, diagnostics: Diagnostic[]): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new UserError(errors.map((d) => formatDiagnostic(file, d)).join('\n'), file);
}

/** Parses a prompt file's text; throws a UserError listing every error as `file:line:col: message`. */
export function parsePromptFile(text: string, file: string): PromptFile {
  const analysis = analyze(text, file);
  throwErrors(file, analysis.diagnostics);
  if (!analysis.prompt) throw new UserError(`${file}: not a valid prompt file`, file);
  return analysis.prompt;
}

export async function loadPromptFile(path: string): Promise<PromptFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${path}: prompt file not found` : `${path}: cannot read the prompt file (${(e as Error).message})`, path);
  }
  return parsePromptFile(text, path);
}

/** Throws a UserError (`file:line:col: message`) if the prompt does not fit the dataset described by `context`. */
export function assertPromptFits(prompt: PromptFile, context: DatasetContext): void {
  throwErrors(prompt.file, checkContext(analyze(prompt.source, prompt.file), context));
}
