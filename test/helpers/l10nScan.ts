/**
 * Static scans of l10n.t calls (TypeScript's parser), shared by the extension-host and webview l10n tests.
 * The message keys computed here are the ones `@vscode/l10n-dev export` writes: the message, or with a comment
 * `message/comment` (the key vscode.l10n and @vscode/l10n look up).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

export const root = join(__dirname, '../../..');

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

export function parse(file: string, text = readFileSync(file, 'utf8')): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
}

export function calls(source: ts.SourceFile): ts.CallExpression[] {
  const found: ts.CallExpression[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export function where(source: ts.SourceFile, node: ts.Node): string {
  const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return `${relative(root, source.fileName)}:${line + 1}`;
}

export const isL10nCall = (call: ts.CallExpression, source: ts.SourceFile) => /^(vscode\.)?l10n\.t$/.test(call.expression.getText(source));
export const isLiteral = (node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral => ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);

/** Problems with one file's l10n.t calls: a message that is not a literal, placeholders that do not match the arguments. */
export function l10nCallProblems(source: ts.SourceFile): string[] {
  const problems: string[] = [];
  for (const call of calls(source).filter((c) => isL10nCall(c, source))) {
    const at = where(source, call);
    const [first, ...rest] = call.arguments;
    let message: string | undefined;
    let args: readonly ts.Expression[] | ts.ObjectLiteralExpression | undefined = rest;
    if (first && isLiteral(first)) {
      message = first.text;
      if (rest.length === 1 && ts.isObjectLiteralExpression(rest[0])) args = rest[0];
    } else if (first && ts.isObjectLiteralExpression(first)) {
      const property = (name: string) => first.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(source) === name)?.initializer;
      const text = property('message');
      const given = property('args');
      const comment = property('comment');
      if (text && isLiteral(text)) message = text.text;
      if (rest.length > 0) problems.push(`${at}: the { message, args, comment } form takes no further arguments`);
      if (!comment || !(isLiteral(comment) || (ts.isArrayLiteralExpression(comment) && comment.elements.every(isLiteral)))) {
        problems.push(`${at}: the comment must be a literal string or a list of them`);
      }
      args = given === undefined ? [] : ts.isArrayLiteralExpression(given) ? given.elements : ts.isObjectLiteralExpression(given) ? given : undefined;
      if (args === undefined) problems.push(`${at}: args must be written out as a list or an object`);
    }
    if (message === undefined) {
      problems.push(`${at}: the message is not a string literal (l10n-dev extracts only literals): ${first?.getText(source).slice(0, 80)}`);
      continue;
    }
    if (args === undefined) continue;
    if (!('properties' in args)) {
      if (args.some((a) => ts.isSpreadElement(a))) {
        problems.push(`${at}: spread arguments cannot be checked against "${message}"`);
        continue;
      }
      const indices = [...message.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1]));
      const count = indices.length === 0 ? 0 : Math.max(...indices) + 1;
      if (count !== args.length) problems.push(`${at}: "${message}" has ${count} placeholder(s), called with ${args.length} argument(s)`);
      for (let i = 0; i < count; i++) if (!indices.includes(i)) problems.push(`${at}: "${message}" never uses {${i}}`);
    } else {
      const names = [...message.matchAll(/\{([A-Za-z_]\w*)\}/g)].map((m) => m[1]);
      const given = args.properties.map((p) => p.name?.getText(source));
      for (const name of names) if (!given.includes(name)) problems.push(`${at}: "${message}" uses {${name}}, which is not among its args`);
    }
  }
  return problems;
}

/** Whether an expression is (or contains) English written into the code: a literal with letters in it. */
export function hasRawProse(node: ts.Expression, source: ts.SourceFile): boolean {
  const prose = (text: string) => /[A-Za-z]{2,}/.test(text.replace(/\$\([\w~-]+\)/g, ''));
  if (isLiteral(node)) return prose(node.text);
  if (ts.isTemplateExpression(node)) {
    return prose(node.head.text) || node.templateSpans.some((s) => prose(s.literal.text) || hasRawProse(s.expression, source));
  }
  if (ts.isBinaryExpression(node)) return hasRawProse(node.left, source) || hasRawProse(node.right, source);
  if (ts.isConditionalExpression(node)) return hasRawProse(node.whenTrue, source) || hasRawProse(node.whenFalse, source);
  if (ts.isParenthesizedExpression(node)) return hasRawProse(node.expression, source);
  return false;
}

/** The bundle key of one l10n.t call, or undefined when its message is not a literal. */
export function l10nKey(call: ts.CallExpression, source: ts.SourceFile): string | undefined {
  const [first] = call.arguments;
  if (first && isLiteral(first)) return first.text;
  if (!first || !ts.isObjectLiteralExpression(first)) return undefined;
  const property = (name: string) => first.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(source) === name)?.initializer;
  const message = property('message');
  if (!message || !isLiteral(message)) return undefined;
  const comment = property('comment');
  const text = comment && isLiteral(comment) ? comment.text
    : comment && ts.isArrayLiteralExpression(comment) ? comment.elements.map((e) => (isLiteral(e) ? e.text : '')).join('') : '';
  return text ? `${message.text}/${text}` : message.text;
}
