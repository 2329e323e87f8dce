// Copies non-TypeScript files the compiled code reads at run time (the ONNX schema) into out/.
import { cpSync, mkdirSync } from 'node:fs';
mkdirSync('out/src/engine/onnx', { recursive: true });
cpSync('src/engine/onnx/onnx.proto', 'out/src/engine/onnx/onnx.proto');
