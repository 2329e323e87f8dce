/** Hard prompts: the `.prompt` format (YAML front matter + Jinja body), validation, rendering, tokenization. */
export type { ChatMessageSource, PromptFormat, DatasetContext, Diagnostic, PromptFile, PromptTask, Severity, SoftPromptPlacement, Verbalizer } from './types';
export { PROMPT_KEYS, assertPromptFits, checkPromptText, formatDiagnostic, loadPromptFile, parsePromptFile } from './parse';
export { SHOT_SEPARATOR, chatMessages, drawShots, goldContinuation, renderPrompt, renderShot, withHardPrefix, type RenderedPrompt } from './render';
export { buildScoredExample, encodePlain, previewPrompt, type BuildOptions, type BuiltExample, type PromptPreview } from './tokenize';
export { predictIndex, predictLabel } from './predict';
export { containsMatch, exactMatch, normalizeAnswer, rougeL, rougeTokens, scoreGeneration, tokenF1, type GenerationScores } from './generation-metrics';
export { assertDatasetFits, datasetContext, datasetOptionsFor, readDatasetForPrompt } from './dataset-fit';
export { CHAT_ROLES, applyChatTemplate, splitChatBody, type ChatMessage, type ChatRole } from './chat';
export { PROMPT_FORMATS, PROMPT_KEY_DOCS, SOFT_PROMPT_PLACEMENTS, TASKS, isPromptKey, promptChoiceMarkdown, promptKeyMarkdown, type PromptKey, type PromptKeyDoc } from './keys';
export { PROMPT_KINDS, PROMPT_SKELETONS, type PromptKind, type PromptSkeleton } from './skeletons';
export { detectDotprompt, type DotpromptVerdict } from './dotprompt';
export { COMPARISONS, EXPECT_METRICS, checkExpectation, describeExpectation, expectationData, expectationTrain, metricValues, readExpectations, type Comparison, type EvaluatedMetrics, type Expectation, type ExpectationOutcome, type MetricCondition } from './expectations';
