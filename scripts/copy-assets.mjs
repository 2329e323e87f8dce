// Copies non-TypeScript files the compiled code reads at run time into out/: the ONNX schema, and the
// train.py that `ptune export-peft` writes into its project folder.
import { cpSync, mkdirSync } from 'node:fs';
mkdirSync('out/src/engine/onnx', { recursive: true });
cpSync('src/engine/onnx/onnx.proto', 'out/src/engine/onnx/onnx.proto');
mkdirSync('out/src/export/python', { recursive: true });
cpSync('src/export/python/train.py', 'out/src/export/python/train.py');
