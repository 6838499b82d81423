// scripts/checkDocSamples.ts (pnpm docs:check), run as CI runs it, on small docs written here: a
// sample that does not compile fails with the doc's own file:line, a skipped one is not compiled, and
// a `doc-sample: file` sample is importable by a later one. Needs the built package (global setup).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const docs = mkdtempSync(join(tmpdir(), 'doc-samples-'));
const outDir = join(root, '.doc-samples', `self-test-${process.pid}`);
afterAll(() => {
  rmSync(docs, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

function check(name: string, markdown: string) {
  const doc = join(docs, name);
  writeFileSync(doc, markdown);
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/checkDocSamples.ts', doc], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DOC_SAMPLES_DIR: outDir },
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('pnpm docs:check', () => {
  it('passes samples that compile against the built packages, and counts the skipped ones', () => {
    const result = check(
      'good.md',
      [
        '# Good',
        '',
        '<!-- doc-sample: file contract.ts -->',
        '',
        '```ts',
        "export const greeting: string = 'hi';",
        '```',
        '',
        '```typescript',
        "import { webSocketLambda } from 'aws-framework';",
        "import { greeting } from './contract.js';",
        '',
        'export const handler = webSocketLambda(async (_event, context) => {',
        '  await context.send(context.connectionId, greeting);',
        '});',
        '```',
        '',
        '<!-- doc-sample: skip -->',
        '',
        '```ts',
        'this is not TypeScript',
        '```',
        '',
        '```sh',
        'not checked either',
        '```',
        '',
      ].join('\n'),
    );
    expect(result.output).toContain('2 doc samples type-checked, 1 skipped, no errors');
    expect(result.status).toBe(0);
  }, 60_000);

  it("fails on a sample that does not compile, at the doc's own line", () => {
    const result = check(
      'bad.md',
      [
        '# Bad',
        '',
        '```ts',
        "import { webSocketLambda } from 'aws-framework';",
        '',
        'export const handler = webSocketLambda(async (_event, context) => {',
        '  await context.sendd(context.connectionId, 1);',
        '});',
        '```',
        '',
      ].join('\n'),
    );
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/bad\.md:7:\d+: error TS2551: Property 'sendd' does not exist/);
    expect(result.output).toContain('1 error(s) in 1 doc samples type-checked, 0 skipped');
  }, 60_000);

  it("checks the @example blocks of a source file's TSDoc, at the source's own line", () => {
    const result = check(
      'module.ts',
      [
        '/**',
        ' * Says hello.',
        ' *',
        ' * @example',
        ' * ```ts',
        " * import { webSocketLambda } from 'aws-framework';",
        ' *',
        ' * export const handler = webSocketLambda(async (_event, context) => {',
        " *   await context.sendd(context.connectionId, 'hi');",
        ' * });',
        ' * ```',
        ' */',
        'export function hello(): void {}',
        '',
        '/** Not a sample: ```ts in prose is not a fence. */',
        "const code = '```ts';",
        '',
      ].join('\n'),
    );
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/module\.ts:9:\d+: error TS2551: Property 'sendd' does not exist/);
    expect(result.output).toContain('1 error(s) in 1 doc samples type-checked, 0 skipped');
  }, 60_000);
});
