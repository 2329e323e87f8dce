/**
 * The Jinja side of a prompt body: rendering with `@huggingface/jinja` (the renderer of Hugging Face chat
 * templates), and static checks with positions, which that library does not report: unclosed tags, block
 * structure, per-tag syntax, and the free variables the body reads.
 */
import { Environment, Interpreter, Template, parse, tokenize } from '@huggingface/jinja';
import { UserError } from '../engine/errors';

/** A problem at [start, end) of the body. */
export interface BodyProblem {
  message: string;
  start: number;
  end: number;
}

export interface Tag {
  kind: 'expression' | 'statement' | 'comment';
  /** Offsets in the body: the whole tag, delimiters included. */
  start: number;
  end: number;
  /** The text between the delimiters, whitespace-control dashes removed. */
  inner: string;
  innerStart: number;
}

export interface VariableUse {
  name: string;
  start: number;
  end: number;
  /** The tag is exactly `{{ name }}`. */
  bare: boolean;
}

export interface BodyAnalysis {
  problems: BodyProblem[];
  tags: Tag[];
  /** Every read of a variable that the template does not define itself (loop variables, set, macros). */
  uses: VariableUse[];
  /** Names read but never located in the text (kept so nothing is silently missed). */
  unlocated: string[];
}

const OPENERS: Record<string, { close: string; kind: Tag['kind'] }> = {
  '{{': { close: '}}', kind: 'expression' },
  '{%': { close: '%}', kind: 'statement' },
  '{#': { close: '#}', kind: 'comment' },
};

/** Finds `{{ }}`, `{% %}` and `{# #}` tags; quotes inside expressions and statements are respected. */
export function scanTags(body: string): { tags: Tag[]; problems: BodyProblem[] } {
  const tags: Tag[] = [];
  const problems: BodyProblem[] = [];
  let i = 0;
  while (i < body.length) {
    const open = body.indexOf('{', i);
    if (open < 0 || open + 1 >= body.length) break;
    const opener = OPENERS[body.slice(open, open + 2)];
    if (!opener) {
      i = open + 1;
      continue;
    }
    const close = findClose(body, open + 2, opener.close, opener.kind !== 'comment');
    if (close < 0) {
      problems.push({ message: `"${body.slice(open, open + 2)}" is never closed by "${opener.close}"`, start: open, end: open + 2 });
      break;
    }
    let innerStart = open + 2;
    let innerEnd = close;
    if (body[innerStart] === '-') innerStart++;
    if (innerEnd > innerStart && body[innerEnd - 1] === '-') innerEnd--;
    tags.push({ kind: opener.kind, start: open, end: close + 2, inner: body.slice(innerStart, innerEnd), innerStart });
    i = close + 2;
  }
  return { tags, problems };
}

function findClose(body: string, from: number, close: string, quotes: boolean): number {
  let quote: string | undefined;
  for (let i = from; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (quotes && (c === '"' || c === "'")) quote = c;
    else if (body.startsWith(close, i)) return i;
  }
  return -1;
}

const BLOCKS: Record<string, string> = { if: 'endif', for: 'endfor', macro: 'endmacro', call: 'endcall', filter: 'endfilter', set: 'endset' };
const SIMPLE = new Set(['break', 'continue', 'generation', 'endgeneration']);

function keywordOf(inner: string): string {
  return /^\s*([A-Za-z_]\w*)/.exec(inner)?.[1] ?? '';
}

/** Replaces the contents of string literals with spaces so that searches skip them; offsets are kept. */
function maskStrings(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, (m) => m[0] + ' '.repeat(m.length - 2) + m[m.length - 1]);
}

function isBlockSet(inner: string): boolean {
  return !/(^|[^=!<>])=($|[^=])/.test(maskStrings(inner));
}

function libraryMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/^Parser Error: /, '');
}

function tryParse(source: string): string | undefined {
  try {
    parse(tokenize(source));
    return undefined;
  } catch (e) {
    return libraryMessage(e);
  }
}

/** Checks each tag alone so that a syntax error points at its tag, then the block structure. */
function checkSyntax(body: string, tags: Tag[], lineOf: (offset: number) => number): BodyProblem[] {
  const problems: BodyProblem[] = [];
  const stack: { keyword: string; tag: Tag }[] = [];
  for (const tag of tags) {
    const text = body.slice(tag.start, tag.end);
    if (tag.kind === 'comment') continue;
    if (tag.kind === 'expression') {
      if (tag.inner.trim() === '') {
        problems.push({ message: 'empty expression "{{ }}"', start: tag.start, end: tag.end });
        continue;
      }
      const error = tryParse(text);
      if (error) problems.push({ message: `invalid expression: ${error}`, start: tag.start, end: tag.end });
      continue;
    }
    const keyword = keywordOf(tag.inner);
    let probe: string | undefined;
    if (keyword in BLOCKS && !(keyword === 'set' && !isBlockSet(tag.inner))) {
      stack.push({ keyword, tag });
      probe = `${text}{% ${BLOCKS[keyword]} %}`;
    } else if (keyword === 'set') {
      probe = text;
    } else if (keyword === 'elif' || keyword === 'else') {
      const top = stack[stack.length - 1];
      const allowed = keyword === 'elif' ? ['if'] : ['if', 'for'];
      if (!top || !allowed.includes(top.keyword)) {
        problems.push({ message: `{% ${keyword} %} outside of ${keyword === 'elif' ? 'an if' : 'an if or for'} block`, start: tag.start, end: tag.end });
        continue;
      }
      probe = keyword === 'elif' ? `{% if true %}${text}{% endif %}` : undefined;
    } else if (keyword.startsWith('end') && Object.values(BLOCKS).includes(keyword)) {
      const opener = keyword.slice(3);
      const top = stack.pop();
      if (!top) {
        problems.push({ message: `{% ${keyword} %} has no matching {% ${opener} %}`, start: tag.start, end: tag.end });
      } else if (top.keyword !== opener) {
        problems.push({
          message: `{% ${keyword} %} found where {% ${BLOCKS[top.keyword]} %} was expected (to close the ${top.keyword} block opened on line ${lineOf(top.tag.start)})`,
          start: tag.start,
          end: tag.end,
        });
        return problems; // the rest of the structure cannot be trusted
      }
      continue;
    } else if (SIMPLE.has(keyword)) {
      continue;
    } else {
      problems.push({
        message: keyword ? `unknown statement "{% ${keyword} %}"` : 'a statement "{% %}" must start with a keyword such as if, for or set',
        start: tag.start,
        end: tag.end,
      });
      continue;
    }
    if (probe !== undefined) {
      const error = tryParse(probe);
      if (error) problems.push({ message: `invalid {% ${keyword} %} statement: ${error}`, start: tag.start, end: tag.end });
    }
  }
  for (const open of stack) {
    problems.push({ message: `{% ${open.keyword} %} is never closed: add {% ${BLOCKS[open.keyword]} %}`, start: open.tag.start, end: open.tag.end });
  }
  return problems;
}

function bodyLineOf(body: string): (offset: number) => number {
  return (offset) => {
    let line = 1;
    for (let i = 0; i < offset; i++) if (body.charCodeAt(i) === 10) line++;
    return line;
  };
}

/** Names the renderer provides itself. */
const GLOBALS = new Set(['true', 'false', 'none', 'True', 'False', 'None', 'range', 'namespace', 'raise_exception', 'strftime_now', 'loop', 'caller', 'super', 'varargs', 'kwargs']);

type Node = { type: string; [key: string]: unknown };

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

/** Collects the variables a template reads and the names it binds (for targets, set, macro names/params). */
function collectNames(program: Node): { reads: Set<string>; bound: Set<string> } {
  const reads = new Set<string>();
  const bound = new Set<string>();
  const bindTarget = (target: unknown): void => {
    if (!isNode(target)) return;
    if (target.type === 'Identifier') bound.add(target.value as string);
    else if (target.type === 'TupleLiteral' || target.type === 'ArrayLiteral') (target.value as unknown[]).forEach(bindTarget);
    else visit(target);
  };
  const visitAll = (items: unknown): void => {
    if (Array.isArray(items)) items.forEach(visit);
  };
  const visit = (node: unknown): void => {
    if (!isNode(node)) return;
    switch (node.type) {
      case 'Identifier':
        reads.add(node.value as string);
        return;
      case 'MemberExpression':
        visit(node.object);
        if (node.computed) visit(node.property);
        return;
      case 'FilterExpression':
      case 'FilterStatement': {
        visit(node.operand);
        const filter = node.filter as Node;
        if (filter.type === 'CallExpression') visitAll(filter.args);
        visitAll(node.body);
        return;
      }
      case 'TestExpression':
        visit(node.operand);
        return;
      case 'KeywordArgumentExpression':
        visit(node.value);
        return;
      case 'For':
        bindTarget(node.loopvar);
        visit(node.iterable);
        visitAll(node.body);
        visitAll(node.defaultBlock);
        return;
      case 'Set':
        bindTarget(node.assignee);
        visit(node.value);
        visitAll(node.body);
        return;
      case 'Macro':
        bound.add((node.name as Node).value as string);
        for (const arg of node.args as Node[]) {
          if (arg.type === 'Identifier') bound.add(arg.value as string);
          else if (arg.type === 'KeywordArgumentExpression') {
            bound.add((arg.key as Node).value as string);
            visit(arg.value);
          }
        }
        visitAll(node.body);
        return;
      case 'Comment':
        return;
      default:
        for (const value of Object.values(node)) {
          if (Array.isArray(value)) visitAll(value);
          else if (value instanceof Map) for (const [k, v] of value) (visit(k), visit(v));
          else visit(value);
        }
    }
  };
  visit(program);
  return { reads, bound };
}

/** Where `name` is read in the tags: not after ".", "|" or "is", and not as a `name=` keyword. */
function locate(name: string, tags: Tag[]): VariableUse[] {
  const uses: VariableUse[] = [];
  const pattern = new RegExp(`(?<![\\w.])${name.replace(/[$]/g, '\\$')}(?!\\w)`, 'g');
  for (const tag of tags) {
    if (tag.kind === 'comment') continue;
    const masked = maskStrings(tag.inner);
    for (const m of masked.matchAll(pattern)) {
      const at = m.index ?? 0;
      const before = masked.slice(0, at).trimEnd();
      const after = masked.slice(at + name.length).trimStart();
      if (before.endsWith('|') || /\bis(\s+not)?$/.test(before)) continue;
      if (/^=(?!=)/.test(after)) continue;
      const start = tag.innerStart + at;
      uses.push({ name, start, end: start + name.length, bare: tag.kind === 'expression' && tag.inner.trim() === name });
    }
  }
  return uses;
}

/**
 * All static checks of a body; `problems` empty means it parses and renders. `lineOf` maps a body offset to
 * the line number used inside messages (default: lines of the body itself).
 */
export function analyzeBody(body: string, lineOf: (offset: number) => number = bodyLineOf(body)): BodyAnalysis {
  const scanned = scanTags(body);
  const problems = [...scanned.problems];
  if (problems.length === 0) problems.push(...checkSyntax(body, scanned.tags, lineOf));
  let program: Node | undefined;
  if (problems.length === 0) {
    try {
      program = parse(tokenize(body)) as unknown as Node;
    } catch (e) {
      problems.push({ message: `invalid template: ${libraryMessage(e)}`, start: 0, end: Math.min(body.length, body.indexOf('\n') < 0 ? body.length : body.indexOf('\n')) });
    }
  }
  const uses: VariableUse[] = [];
  const unlocated: string[] = [];
  if (program) {
    const { reads, bound } = collectNames(program);
    for (const name of reads) {
      if (bound.has(name) || GLOBALS.has(name)) continue;
      const found = locate(name, scanned.tags);
      if (found.length > 0) uses.push(...found);
      else unlocated.push(name);
    }
    uses.sort((a, b) => a.start - b.start);
  }
  return { problems, tags: scanned.tags, uses, unlocated };
}

/**
 * What one rendering may cost. A template is a program: `{% for i in range(100000000) %}` would otherwise
 * run for minutes and grow gigabytes. Documented in docs/prompt-format.md ("Limits").
 */
export interface RenderLimits {
  /** Longest text any expression, block or the whole body may produce, in characters. */
  maxChars: number;
  /** Evaluation steps (each expression, statement and loop iteration evaluated counts one). */
  maxSteps: number;
  /** Longest list `range()` may build. */
  maxRange: number;
  /** Wall-clock bound, in milliseconds, for machines where steps are slow. */
  maxMillis: number;
}

export const DEFAULT_RENDER_LIMITS: Readonly<RenderLimits> = { maxChars: 1_000_000, maxSteps: 100_000, maxRange: 100_000, maxMillis: 1_000 };

/** Throws past the limits; counts steps in `evaluate`, the one method every node goes through. */
class BoundedInterpreter extends Interpreter {
  private steps = 0;
  private readonly deadline: number;

  constructor(env: Environment, private readonly limits: RenderLimits) {
    super(env);
    this.deadline = performance.now() + limits.maxMillis;
  }

  override evaluate(...args: Parameters<Interpreter['evaluate']>): ReturnType<Interpreter['evaluate']> {
    const { limits } = this;
    if (++this.steps > limits.maxSteps) throw new UserError(`the template took more than ${limits.maxSteps.toLocaleString('en-US')} evaluation steps (a loop that is too long?)`);
    if ((this.steps & 1023) === 0 && performance.now() > this.deadline) throw new UserError(`the template took longer than ${limits.maxMillis} ms to render (a loop that is too long?)`);
    const value = super.evaluate(...args);
    if (value.type === 'StringValue' && (value.value as string).length > limits.maxChars) {
      throw new UserError(`the template produced more than ${limits.maxChars.toLocaleString('en-US')} characters`);
    }
    return value;
  }
}

const strftimeTemplate = new Template('{{ strftime_now(format) }}');

/** The globals @huggingface/jinja's Template sets (setupGlobals), with range() bounded and raise_exception a user error. */
function boundedEnvironment(variables: Record<string, unknown>, limits: RenderLimits): Environment {
  const env = new Environment();
  const globals: Record<string, unknown> = {
    false: false,
    true: true,
    none: null,
    False: false,
    True: true,
    None: null,
    raise_exception: (message: unknown) => {
      throw new UserError(`the template raised an error: ${String(message)}`);
    },
    range: (start: number, stop?: number, step = 1) => {
      const [from, to] = stop === undefined ? [0, start] : [start, stop];
      if (step === 0) throw new UserError('range() step must not be zero');
      const length = Math.max(0, Math.ceil((to - from) / step));
      if (!(length <= limits.maxRange)) throw new UserError(`range() of ${Number.isFinite(length) ? length.toLocaleString('en-US') : length} numbers is longer than the limit of ${limits.maxRange.toLocaleString('en-US')}`);
      return Array.from({ length }, (_, i) => from + i * step);
    },
    // The library's own strftime_now, reached through a template of its own.
    strftime_now: (format: unknown) => strftimeTemplate.render({ format }),
  };
  for (const [name, value] of Object.entries({ ...globals, ...variables })) env.set(name, value);
  return env;
}

/** A message for an error thrown while rendering: the library's own, or what a JavaScript limit means here. */
function renderFailure(e: unknown, limits: RenderLimits): UserError {
  if (e instanceof UserError) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return new UserError('the template nests too deeply (macros or loops calling themselves?)');
  if (e instanceof RangeError && /string length/i.test(e.message)) return new UserError(`the template produced more than ${limits.maxChars.toLocaleString('en-US')} characters`);
  return new UserError(`the template failed: ${e instanceof Error ? e.message : String(e)}`);
}

const cache = new Map<string, Template>();

/**
 * Renders a body with Jinja defaults (a single trailing newline is dropped, undefined variables are empty),
 * within `limits`. Every failure is a UserError saying what went wrong in the template (callers add the file).
 */
export function renderBody(body: string, variables: Record<string, unknown>, limits: RenderLimits = DEFAULT_RENDER_LIMITS): string {
  try {
    let template = cache.get(body);
    if (!template) {
      template = new Template(body);
      if (cache.size > 64) cache.clear();
      cache.set(body, template);
    }
    const result = new BoundedInterpreter(boundedEnvironment(variables, limits), limits).run(template.parsed);
    return result.value as string;
  } catch (e) {
    throw renderFailure(e, limits);
  }
}
