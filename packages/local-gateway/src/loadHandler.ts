import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LambdaCallback } from './invoke.js';

/** A handler as the CLI loads it from a user's module. */
export type LoadedHandlerFn = (event: unknown, context: unknown, callback?: LambdaCallback) => unknown;

export interface LoadedHandler {
  handler: LoadedHandlerFn;
  /** Switches off tsx's hooks for this load's module graph; call once a newer load has replaced it. */
  release(): Promise<void>;
}

const requireCache = createRequire(import.meta.url).cache;

/**
 * Drops the user's CommonJS modules from require's cache. tsx's namespace gives ES modules a fresh
 * URL per load, but not a CommonJS-format file (a `.ts` outside a `"type": "module"` package):
 * measured with tsx 4.23 on Node 24, the new entry module's `require('./helper')` got the previous
 * load's copy, which Node's CommonJS loader finds by a cache of relative resolutions per directory.
 * Packages under node_modules stay cached; a change there needs a restart anyway.
 */
function forgetUserCommonJs(): void {
  for (const key of Object.keys(requireCache)) {
    const path = key.split('?')[0] as string;
    if (!path.split(sep).includes('node_modules')) delete requireCache[key];
  }
}

/**
 * Loads `module` (JavaScript or TypeScript, through tsx) and returns its export `name`, or a message
 * saying why not. Every call evaluates the module and its imports afresh: it registers tsx's hooks
 * under a new namespace, which tsx appends to the URL of each module of the graph, so Node's module
 * cache, keyed by URL, holds a new copy (as tsx's own `tsImport` does, minus the hooks it never
 * unregisters). Older copies stay in memory: Node never evicts an ES module.
 */
export async function loadHandler(
  module: string,
  name: string,
): Promise<LoadedHandler | { problem: string }> {
  const url = pathToFileURL(resolve(module)).href;
  const [{ register: registerEsm }, { register: registerCjs }] = await Promise.all([
    import('tsx/esm/api'),
    import('tsx/cjs/api'),
  ]);
  forgetUserCommonJs();
  const namespace = randomUUID();
  // Both halves, as tsImport does: without the CommonJS one, a CommonJS-format `.ts` fails to
  // resolve under the namespaced path.
  const commonJsHooks = registerCjs({ namespace });
  const esmHooks = registerEsm({ namespace });
  const release = async () => {
    await esmHooks.unregister();
    commonJsHooks.unregister();
  };
  let loaded: Record<string, unknown>;
  try {
    loaded = (await esmHooks.import(url, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    await release();
    return {
      problem: `cannot load module ${module}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const handler = loaded[name];
  if (typeof handler !== 'function') {
    await release();
    const exports = Object.keys(loaded).join(', ') || 'none';
    return { problem: `module ${module} has no function export "${name}" (its exports: ${exports})` };
  }
  return { handler: handler as LoadedHandlerFn, release };
}
