/** Text generation: sampling (transformers' logits processors), stop strings, the streaming decode loop. */
export { FLAG_NAMES, TokenSampler, checkSampling, processedLogits, softmax, type SamplingSettings, type SettingNames } from './sampling';
export { readGenerationConfig, resolveSampling, type ModelGenerationConfig, type SamplingRequest } from './config';
export { scanStops, type StopScan } from './stop';
export { GenerationCancelled, decode, cachedLogits, type DecodeOptions, type DecodeResult, type FinishReason, type NextTokenLogits } from './decode';
