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

type TsxApis = [typeof import('tsx/esm/api'), typeof import('tsx/cjs/api')];

// tsx is an optional peer: its esbuild dependency runs an install script that npm 11 and pnpm 10
// warn about, and a project of plain JavaScript handlers has no use for it.
async function importTsxIfInstalled(): Promise<TsxApis | undefined> {
  try {
    return await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    const tsxItself = error instanceof Error && error.message.includes("'tsx'");
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && tsxItself) return undefined;
    throw error;
  }
}

const TYPESCRIPT_MODULE = /\.[cm]?tsx?$/i;

function problemLoading(module: string, error: unknown): { problem: string } {
  return {
    problem: `cannot load module ${module}: ${error instanceof Error ? error.message : String(error)}`,
  };
}

function handlerExport(
  loaded: Record<string, unknown>,
  module: string,
  name: string,
): LoadedHandlerFn | { problem: string } {
  const handler = loaded[name];
  if (typeof handler === 'function') return handler as LoadedHandlerFn;
  const exports = Object.keys(loaded).join(', ') || 'none';
  return { problem: `module ${module} has no function export "${name}" (its exports: ${exports})` };
}

/**
 * Without tsx, a JavaScript module loads with plain `import()`. A query string unique to each load
 * gives the entry module a fresh copy on a reload; the modules it imports keep their first copy
 * (Node's module cache is keyed by URL), so `--watch` sees edits to the entry module only.
 */
async function loadWithoutTsx(
  module: string,
  url: string,
  name: string,
): Promise<LoadedHandler | { problem: string }> {
  if (TYPESCRIPT_MODULE.test(module))
    return {
      problem: `cannot load module ${module}: a TypeScript handler needs tsx, an optional peer dependency of aws-framework-local; install it (npm install --save-dev tsx) or give a built .js file`,
    };
  forgetUserCommonJs();
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(`${url}?load=${randomUUID()}`)) as Record<string, unknown>;
  } catch (error) {
    return problemLoading(module, error);
  }
  const handler = handlerExport(loaded, module, name);
  if (typeof handler !== 'function') return handler;
  return { handler, release: async () => {} };
}

/**
 * Loads `module` (JavaScript, or TypeScript through tsx) and returns its export `name`, or a message
 * saying why not. With tsx installed, every call evaluates the module and its imports afresh: it
 * registers tsx's hooks under a new namespace, which tsx appends to the URL of each module of the
 * graph, so Node's module cache, keyed by URL, holds a new copy (as tsx's own `tsImport` does, minus
 * the hooks it never unregisters). Older copies stay in memory: Node never evicts an ES module.
 * `importTsx` is for tests: it stands in for tsx's absence.
 */
export async function loadHandler(
  module: string,
  name: string,
  importTsx: () => Promise<TsxApis | undefined> = importTsxIfInstalled,
): Promise<LoadedHandler | { problem: string }> {
  const url = pathToFileURL(resolve(module)).href;
  const tsx = await importTsx();
  if (!tsx) return loadWithoutTsx(module, url, name);
  const [{ register: registerEsm }, { register: registerCjs }] = tsx;
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
    return problemLoading(module, error);
  }
  const handler = handlerExport(loaded, module, name);
  if (typeof handler !== 'function') {
    await release();
    return handler;
  }
  return { handler, release };
}
