import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The page's script, TypeScript importing `aws-framework/client` and the chat's contract. */
export const CHAT_PAGE_ENTRY = fileURLToPath(new URL('../page/chat.ts', import.meta.url));

/**
 * The page's script bundled by esbuild, in memory: `createClient`, the contract and zod in one ES
 * module for browsers, with an inline source map. `startChatPage` builds it when it starts, so
 * the page always runs the sources as they are, and no build output sits beside them to go stale.
 * `aws-framework` resolves through its exports map into `dist/`, as in an app (`pnpm build` first).
 *
 * @example
 * ```ts
 * const script = await buildChatPage(); // serve as text/javascript
 * ```
 */
export async function buildChatPage(): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [CHAT_PAGE_ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'inline',
    write: false,
    outfile: 'chat.js',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`buildChatPage: esbuild wrote nothing for ${CHAT_PAGE_ENTRY}`);
  return output.contents;
}
