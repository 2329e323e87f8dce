/**
 * Hovers in the front matter of `.prompt` files: what each key means and, on a choice (`task: generation`),
 * what that choice does. The texts come from PROMPT_KEY_DOCS, the list the validator accepts.
 */
import * as vscode from 'vscode';
import { detectDotprompt } from '../../prompts';
import { frontMatterHover } from './frontMatterHover';
import { bodyLines, PROMPT_SELECTOR } from './promptDocuments';

export function registerHover(): vscode.Disposable {
  return vscode.languages.registerHoverProvider(PROMPT_SELECTOR, {
    provideHover(document, position) {
      const text = document.getText();
      const { bodyLine } = bodyLines(text);
      if (bodyLine === undefined || position.line === 0 || position.line >= bodyLine - 1) return undefined;
      if (detectDotprompt(text).isDotprompt) return undefined;
      const markdown = frontMatterHover(document.lineAt(position.line).text, position.character);
      if (!markdown) return undefined;
      return new vscode.Hover(new vscode.MarkdownString(markdown.text), new vscode.Range(position.line, markdown.start, position.line, markdown.end));
    },
  });
}
