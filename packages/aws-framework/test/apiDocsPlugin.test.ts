// scripts/typedocRequireTags.mjs (the TypeDoc plugin `pnpm docs` loads), run as TypeDoc runs it on a
// small package written here: each rule it adds to `validation.notDocumented` fails where it should,
// and stays quiet where the source gives it no reason (a throw caught inside, a complete comment).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = mkdtempSync(join(tmpdir(), 'typedoc-plugin-'));

const SOURCE = `
/** Adds one. */
export function noExample(n: number): number {
  return n + 1;
}

/** Options. */
export interface FixtureOptions {
  /** Has no default tag. */
  size?: number;
  /** Documented. @default 3 */
  count?: number;
  /** Required, so it has no default to give. */
  name: string;
}

function check(n: number): void {
  if (n < 0) throw new RangeError('negative');
}

/**
 * Checks, through a helper that throws.
 * @example
 * \`\`\`ts
 * import { checked } from 'fixture-pkg';
 * checked(1);
 * \`\`\`
 */
export function checked(n: number): number {
  check(n);
  return n;
}

/**
 * Overloaded; the implementation throws.
 * @example
 * \`\`\`ts
 * import { overloaded } from 'fixture-pkg';
 * overloaded('a');
 * \`\`\`
 */
export function overloaded(value: string): string;
export function overloaded(value: number): number;
export function overloaded(value: string | number): string | number {
  if (value === '') throw new TypeError('empty');
  return value;
}

/**
 * Catches what it throws, so it never throws.
 * @example
 * \`\`\`ts
 * import { safe } from 'fixture-pkg';
 * safe();
 * \`\`\`
 */
export function safe(): boolean {
  try {
    check(-1);
    return true;
  } catch {
    return false;
  }
}

/**
 * Complete: an example importing it, and its throw.
 * @example
 * \`\`\`ts
 * import { complete } from 'fixture-pkg';
 * complete(2);
 * \`\`\`
 * @throws RangeError when n is negative.
 */
export function complete(n: number): number {
  check(n);
  return n;
}

/**
 * Imports itself from a path users cannot.
 * @example
 * \`\`\`ts
 * import { wrongImport } from './index.js';
 * \`\`\`
 */
export function wrongImport(): void {}

/**
 * A class: needs an example too, and its throwing method a @throws.
 * @example
 * \`\`\`ts
 * import { Counter } from 'fixture-pkg';
 * new Counter().add(1);
 * \`\`\`
 */
export class Counter {
  /** Adds. */
  add(n: number): void {
    if (n > 10) throw new RangeError('too many');
  }
}
`;

let output = '';
let status: number | null = null;

beforeAll(() => {
  mkdirSync(join(fixture, 'src'));
  writeFileSync(
    join(fixture, 'package.json'),
    '{ "name": "fixture-pkg", "version": "1.0.0", "type": "module" }',
  );
  writeFileSync(
    join(fixture, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: [],
      },
      include: ['src'],
    }),
  );
  writeFileSync(join(fixture, 'src', 'index.ts'), SOURCE);
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'),
      ...['--entryPoints', 'src/index.ts', '--tsconfig', 'tsconfig.json'],
      ...['--plugin', join(root, 'scripts', 'typedocRequireTags.mjs'), '--emit', 'none'],
      ...['--disableGit', '--sourceLinkTemplate', 'https://example.invalid/{path}#L{line}'],
      '--treatWarningsAsErrors',
    ],
    { cwd: fixture, encoding: 'utf8', timeout: 60_000 },
  );
  status = run.status;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: TypeDoc colours its output
  output = `${run.stdout}${run.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
}, 60_000);

afterAll(() => rmSync(fixture, { recursive: true, force: true }));

describe('the pnpm docs plugin', () => {
  it('fails the run on what it finds', () => {
    expect(status).not.toBe(0);
  });

  it('asks for an @example that imports the function from its public path', () => {
    expect(output).toContain(
      "noExample has no @example that imports it: add one with import { noExample } from 'fixture-pkg'",
    );
    expect(output).toContain('wrongImport has no @example that imports it');
    expect(output).not.toMatch(/\b(checked|complete|Counter|safe) has no @example/);
  });

  it('asks for a @default on each optional option, not on required ones', () => {
    expect(output).toContain('FixtureOptions.size is an optional option without a @default');
    expect(output).not.toContain('FixtureOptions.count');
    expect(output).not.toContain('FixtureOptions.name');
  });

  it('asks for @throws where a body can throw, through helpers, overloads and methods', () => {
    expect(output).toContain('checked can throw but its documentation has no @throws');
    expect(output).toContain('overloaded can throw but its documentation has no @throws');
    expect(output).toContain('Counter.add can throw but its documentation has no @throws');
  });

  it('does not ask for @throws where the throw is caught, or already documented', () => {
    expect(output).not.toContain('safe can throw');
    expect(output).not.toContain('complete can throw');
  });
});
