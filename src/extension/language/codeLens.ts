/** CodeLens "▶ Test", "▶ Run on dataset", "Playground" and "Datasets…" above the body of every `.prompt` file. */
import * as vscode from 'vscode';
import { detectDotprompt } from '../../prompts';
import { bodyLines, PROMPT_SELECTOR } from './promptDocuments';

export function registerCodeLens(): vscode.Disposable {
  return vscode.languages.registerCodeLensProvider(PROMPT_SELECTOR, {
    provideCodeLenses(document) {
      const text = document.getText();
      const { bodyLine } = bodyLines(text);
      // A Dotprompt (Genkit) file is not ours to run.
      if (bodyLine === undefined || detectDotprompt(text).isDotprompt) return [];
      const range = new vscode.Range(bodyLine, 0, bodyLine, 0);
      return [
        new vscode.CodeLens(range, { title: `▶ ${vscode.l10n.t({ message: 'Test', comment: ['a CodeLens that runs the prompt on one row'] })}`, command: 'promptTuning.testPrompt', arguments: [document.uri], tooltip: vscode.l10n.t('Run this prompt on one dataset row or a typed input') }),
        new vscode.CodeLens(range, { title: `▶ ${vscode.l10n.t('Run on dataset')}`, command: 'promptTuning.runOnDataset', arguments: [document.uri], tooltip: vscode.l10n.t('Evaluate this prompt on its dataset') }),
        new vscode.CodeLens(range, { title: vscode.l10n.t('Playground'), command: 'promptTuning.openPlayground', arguments: [document.uri], tooltip: vscode.l10n.t('Compare this prompt alone, with a soft prompt and with its projection, side by side') }),
        new vscode.CodeLens(range, { title: vscode.l10n.t('Datasets…'), command: 'promptTuning.selectDataset', arguments: [document.uri], tooltip: vscode.l10n.t('Choose the train, dev and test files of this prompt') }),
      ];
    },
  });
}
