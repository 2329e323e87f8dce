/**
 * The projection's onnxruntime sessions, built once per graph shape and reused. Matrices are graph inputs,
 * never initializers, so a session holds no model data and one cache serves every model.
 */
import type { Graph } from '../engine/onnx/graph';
import { CompiledGraph } from '../engine/runtime/session';

const MAX_SESSIONS = 8;
const sessions = new Map<string, Promise<CompiledGraph>>();

/** The session for `key`, built from `build()` on first use; least recently used sessions are released. */
export function cachedSession(key: string, threads: number | undefined, build: () => Graph): Promise<CompiledGraph> {
  const fullKey = `${key}|threads=${threads ?? 0}`;
  let session = sessions.get(fullKey);
  if (session) {
    sessions.delete(fullKey); // re-inserted below: most recently used last
  } else {
    session = CompiledGraph.create(build(), { threads });
    session.catch(() => sessions.delete(fullKey)); // a failed build is not cached
    if (sessions.size >= MAX_SESSIONS) {
      const [oldestKey, oldest] = sessions.entries().next().value as [string, Promise<CompiledGraph>];
      sessions.delete(oldestKey);
      void oldest.then((s) => s.dispose(), () => undefined);
    }
  }
  sessions.set(fullKey, session);
  return session;
}

/** Releases every cached projection session (their native memory); later calls build them again. */
export async function releaseProjectionSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const s of all) await (await s).dispose();
}
