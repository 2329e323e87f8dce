/**
 * Reverse-mode autodiff over a built ONNX graph: appends the nodes that compute d(output)/d(wrt) using the
 * rules in ./rules.ts. Only nodes on a path from a `wrt` input to the output are differentiated, so frozen
 * weights and everything that does not depend on the requested variables cost nothing.
 */
import type { Graph, Value } from '../onnx/graph';
import { GRADIENTS } from './rules';

export function appendGradients(g: Graph, output: Value, wrt: readonly Value[]): Value[] {
  if (output.shape.length !== 0) throw new Error(`gradients need a scalar output, got shape [${output.shape}]`);
  const forward = [...g.nodes];

  // Values that depend on a requested variable, and values the output depends on.
  const dependsOnWrt = new Set(wrt.map((v) => v.name));
  for (const node of forward) {
    if (node.inputs.some((i) => dependsOnWrt.has(i))) node.outputs.forEach((o) => dependsOnWrt.add(o));
  }
  const feedsOutput = new Set([output.name]);
  for (const node of [...forward].reverse()) {
    if (node.outputs.some((o) => feedsOutput.has(o))) node.inputs.forEach((i) => feedsOutput.add(i));
  }

  const grads = new Map<string, Value>([[output.name, g.scalar(1)]]);
  const accumulate = (name: string, d: Value) => {
    const prev = grads.get(name);
    grads.set(name, prev ? g.add(prev, d) : d);
  };

  for (const node of [...forward].reverse()) {
    const dys = node.outputs.map((o) => grads.get(o));
    if (dys.every((d) => !d) || !node.inputs.some((i) => dependsOnWrt.has(i) && feedsOutput.has(i))) continue;
    // Multi-output nodes whose first output is unused (e.g. a Split piece) still pass a defined dy.
    const dy = dys[0] ?? g.zeros(g.value(node.outputs[0]).shape);
    const rule = GRADIENTS[node.op];
    if (!rule) throw new Error(`no gradient rule for ONNX op ${node.op}`);
    const thunks = rule({ g, node, x: node.inputs.map((i) => (i ? g.value(i) : undefined)) as Value[], y: node.outputs.map((o) => g.value(o)), dy, dys });
    node.inputs.forEach((input, i) => {
      if (!input || !dependsOnWrt.has(input) || !feedsOutput.has(input)) return;
      const thunk = thunks[i];
      if (!thunk) throw new Error(`${node.op} is not differentiable with respect to input ${i} (${input})`);
      accumulate(input, thunk());
    });
  }
  return wrt.map((v) => grads.get(v.name) ?? g.zeros(v.shape));
}
