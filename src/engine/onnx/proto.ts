/** Serialises a built Graph to ONNX ModelProto bytes with protobufjs and the schema in ./onnx.proto. */
import * as protobuf from 'protobufjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MS_DOMAIN, OPSET, type AttrValue, type DType, type Graph, type Value } from './graph';

const ELEM_TYPE: Record<DType, number> = { float32: 1, uint8: 2, int64: 7, bool: 9, float64: 11 };
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

let modelType: protobuf.Type | undefined;

/** The schema ships beside the compiled file (copied there by the build). */
export function onnxSchema(): protobuf.Root {
  const text = readFileSync(join(__dirname, 'onnx.proto'), 'utf8');
  return protobuf.parse(text, { keepCase: true }).root;
}

function modelProtoType(): protobuf.Type {
  modelType ??= onnxSchema().lookupType('onnx.ModelProto');
  return modelType;
}

function valueInfo(v: Value) {
  return {
    name: v.name,
    type: { tensor_type: { elem_type: ELEM_TYPE[v.dtype], shape: { dim: v.shape.map((d) => ({ dim_value: d })) } } },
  };
}

function attribute(name: string, value: AttrValue, g: Graph) {
  if (typeof value === 'number') return { name, type: ATTR.INT, i: value };
  if (typeof value === 'string') return { name, type: ATTR.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: ATTR.INTS, ints: value };
  if ('floats' in value) return { name, type: ATTR.FLOATS, floats: value.floats };
  if ('int' in value) return { name, type: ATTR.INT, i: value.int };
  // A float attribute; ConstantOfShape's `value` is a one-element tensor of the graph's float type instead.
  if (name === 'value') {
    const raw = g.float === 'float64' ? new Float64Array([value.float]) : new Float32Array([value.float]);
    return { name, type: ATTR.TENSOR, t: { dims: [1], data_type: ELEM_TYPE[g.float], raw_data: Buffer.from(raw.buffer) } };
  }
  return { name, type: ATTR.FLOAT, f: value.float };
}

export function toModelBytes(g: Graph, producer = 'prompt-tuning-studio'): Uint8Array {
  const model = {
    ir_version: 10,
    producer_name: producer,
    // onnxruntime's contrib ops (e.g. MatMulNBits) live in the com.microsoft domain, version 1.
    opset_import: [{ domain: '', version: OPSET }, ...(g.nodes.some((n) => n.domain === MS_DOMAIN) ? [{ domain: MS_DOMAIN, version: 1 }] : [])],
    graph: {
      name: 'main',
      node: g.nodes.map((n, i) => ({
        name: `n${i}_${n.op}`,
        op_type: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v, g)),
      })),
      initializer: g.initializers.map(({ value, data }) => ({
        name: value.name,
        dims: value.shape,
        data_type: ELEM_TYPE[value.dtype],
        raw_data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      })),
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
    },
  };
  const type = modelProtoType();
  return type.encode(type.fromObject(model)).finish();
}
