/**
 * Completion in `.prompt` files: dataset column names and `soft_prompt` inside `{{ … }}` in the body,
 * front-matter keys (with their documentation) and the values of the keys with fixed choices, column names for `inputs` / `label_column` / `target_column` and label names under `labels:` in the
 * front matter. Columns and labels come from the chosen dataset, else from the prompt's own settings.
 */
import * as vscode from 'vscode';
import { PROMPT_KEY_DOCS, PROMPT_KEYS, isPromptKey, promptChoiceMarkdown, promptKeyMarkdown, type PromptKeyDoc } from '../../prompts';
import { bodyLines, PROMPT_SELECTOR } from './promptDocuments';
import type { PromptDiagnostics } from './diagnostics';

export interface CompletionFacts {
  columns: string[];
  labels: string[];
}

export function registerCompletion(diagnostics: PromptDiagnostics): vscode.Disposable {
  return vscode.languages.registerCompletionItemProvider(PROMPT_SELECTOR, {
    async provideCompletionItems(document, position) {
      const analysis = await diagnostics.analysis(document);
      if (analysis.dotprompt) return [];
      const facts: CompletionFacts = {
        columns: analysis.dataset?.columns ?? unique([...(analysis.prompt?.inputs ?? []), analysis.prompt?.labelColumn, analysis.prompt?.targetColumn]),
        labels: analysis.prompt && analysis.dataset ? datasetLabels(analysis.dataset.rows, analysis.prompt.labelColumn) : analysis.prompt?.labels.map((l) => l.label) ?? [],
      };
      const { bodyLine } = bodyLines(document.getText());
      const linePrefix = document.lineAt(position.line).text.slice(0, position.character);
      const inBody = bodyLine !== undefined && position.line >= bodyLine;
      return inBody ? bodyCompletions(linePrefix, facts) : frontMatterCompletions(document, position, linePrefix, facts);
    },
  }, '{', ' ', '[', ',');
}

/** Inside an unclosed `{{` on this line: columns and the soft-prompt marker. */
export function bodyCompletions(linePrefix: string, facts: CompletionFacts): vscode.CompletionItem[] {
  const open = linePrefix.lastIndexOf('{{');
  if (open < 0 || linePrefix.indexOf('}}', open) >= 0) return [];
  const items = facts.columns.map((column) => {
    const item = new vscode.CompletionItem(column, vscode.CompletionItemKind.Field);
    item.detail = vscode.l10n.t('dataset column');
    return item;
  });
  const marker = new vscode.CompletionItem('soft_prompt', vscode.CompletionItemKind.Keyword);
  marker.detail = vscode.l10n.t('where the virtual tokens go (soft_prompt: marker)');
  marker.sortText = '~soft_prompt';
  items.push(marker);
  return items;
}

function frontMatterCompletions(document: vscode.TextDocument, position: vscode.Position, linePrefix: string, facts: CompletionFacts): vscode.CompletionItem[] {
  if (/^[A-Za-z_]*$/.test(linePrefix) && position.line > 0) return keyCompletions(presentKeys(document, position.line));
  const choice = /^([A-Za-z_]+)\s*:\s*[A-Za-z_]*$/.exec(linePrefix);
  if (choice && isPromptKey(choice[1])) {
    const key = choice[1];
    const doc: PromptKeyDoc = PROMPT_KEY_DOCS[key];
    if (doc.choices) {
      return doc.choices.map((c) => {
        const item = new vscode.CompletionItem(c.value, vscode.CompletionItemKind.EnumMember);
        item.documentation = new vscode.MarkdownString(promptChoiceMarkdown(key, c.value));
        return item;
      });
    }
  }
  if (/^\s*(inputs|label_column|target_column)\s*:/.test(linePrefix) || /^\s*-\s*\S*$/.test(linePrefix) && parentKey(document, position.line) === 'inputs') {
    return facts.columns.map((column) => new vscode.CompletionItem(column, vscode.CompletionItemKind.Field));
  }
  if (/^\s+[^:]*$/.test(linePrefix) && parentKey(document, position.line) === 'labels') {
    return facts.labels.map((label) => {
      const item = new vscode.CompletionItem(label, vscode.CompletionItemKind.EnumMember);
      item.detail = vscode.l10n.t('dataset label');
      item.insertText = new vscode.SnippetString(`${yamlKey(label)}: "\${1: ${label}}"`);
      return item;
    });
  }
  return [];
}

/** A front-matter key at the start of a line: the keys not yet set, each documented. */
function keyCompletions(present: Set<string>): vscode.CompletionItem[] {
  return PROMPT_KEYS.filter((key) => !present.has(key)).map((key, i) => {
    const item = new vscode.CompletionItem(key, vscode.CompletionItemKind.Property);
    const doc: PromptKeyDoc = PROMPT_KEY_DOCS[key];
    item.detail = doc.appliesTo ? `${doc.type} (${doc.appliesTo})` : doc.type;
    item.documentation = new vscode.MarkdownString(promptKeyMarkdown(key));
    item.insertText = `${key}: `;
    item.sortText = String(i).padStart(2, '0');
    return item;
  });
}

/** The top-level keys already written in the front matter (other than on `line`). */
function presentKeys(document: vscode.TextDocument, line: number): Set<string> {
  const keys = new Set<string>();
  for (let l = 1; l < document.lineCount; l++) {
    const text = document.lineAt(l).text;
    if (/^---\s*$/.test(text)) break;
    const match = /^([A-Za-z_][\w-]*)\s*:/.exec(text);
    if (match && l !== line) keys.add(match[1]);
  }
  return keys;
}

/** The top-level key of the block that `line` is indented under. */
function parentKey(document: vscode.TextDocument, line: number): string | undefined {
  for (let l = line - 1; l >= 0; l--) {
    const match = /^([A-Za-z_][\w-]*)\s*:/.exec(document.lineAt(l).text);
    if (match) return match[1];
    if (/^---\s*$/.test(document.lineAt(l).text)) return undefined;
  }
  return undefined;
}

function yamlKey(label: string): string {
  return /^[A-Za-z_][\w -]*$/.test(label) && !/\s$/.test(label) ? label : JSON.stringify(label);
}

function datasetLabels(rows: readonly Record<string, string>[], column: string): string[] {
  return unique(rows.map((row) => row[column]));
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
}
