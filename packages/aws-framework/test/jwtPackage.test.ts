import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('../../../examples/echo/', import.meta.url));

// In a child process from an example folder, `aws-framework` resolves as it does for a user:
// through the workspace link and the exports map into dist/. A resolve hook records every
// specifier the import asks for.
async function importAsUser(specifier: string): Promise<{ exports: string[]; resolved: string[] }> {
  const script = `
    import { registerHooks } from 'node:module';
    const resolved = [];
    registerHooks({ resolve(specifier, context, next) { resolved.push(specifier); return next(specifier, context); } });
    const m = await import(${JSON.stringify(specifier)});
    console.log(JSON.stringify({ exports: Object.keys(m).sort(), resolved }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: exampleDir,
  });
  return JSON.parse(stdout);
}

describe('aws-framework/jwt as published', () => {
  it('exports jwtAuthorizer and its default tolerance, and loads jose', async () => {
    const { exports, resolved } = await importAsUser('aws-framework/jwt');
    expect(exports).toEqual(['DEFAULT_CLOCK_TOLERANCE_SECONDS', 'jwtAuthorizer']);
    expect(resolved).toContain('jose');
  });

  it('is kept out of the main entry point: importing aws-framework never loads jose', async () => {
    const { resolved } = await importAsUser('aws-framework');
    expect(resolved.length).toBeGreaterThan(1);
    expect(resolved.filter((specifier) => specifier === 'jose' || specifier.includes('/jwt/'))).toEqual([]);
  });
});
