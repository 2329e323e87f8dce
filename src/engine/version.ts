/**
 * The engine's version, recorded in training records and benchmark reports and part of every cache key.
 * Kept apart from engine.ts so that recording it does not load onnxruntime.
 */
export const ENGINE_VERSION = '0.1.0';
