import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem, REQUIRED_NODE_MAJOR } from '../bin/nodeVersion.js';
import { WAIT_MS, withTimeout } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('nodeVersionProblem', () => {
  it('refuses a major below the one required, naming both', () => {
    expect(nodeVersionProblem('v20.20.2')).toBe('aws-framework-local needs Node.js >= 22; found v20.20.2');
    expect(nodeVersionProblem('v21.99.0', 22)).toContain('found v21.99.0');
    expect(nodeVersionProblem('v8.17.0', 22)).toContain('>= 22');
  });

  it('accepts the required major and later ones, whatever their minor', () => {
    expect(nodeVersionProblem('v22.0.0')).toBeUndefined();
    expect(nodeVersionProblem('v24.21.0')).toBeUndefined();
    expect(nodeVersionProblem('v100.1.2')).toBeUndefined();
  });

  it('lets a version it cannot read through rather than refuse a runtime it does not know', () => {
    expect(nodeVersionProblem('')).toBeUndefined();
    expect(nodeVersionProblem('nightly')).toBeUndefined();
  });

  it('requires the major the package declares in engines', () => {
    const { engines } = JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8')) as {
      engines: { node: string };
    };
    expect(engines.node).toBe(`>=${REQUIRED_NODE_MAJOR}`);
  });
});

// This machine's and CI's system Node is 20 while the toolchain puts 24 first on PATH.
const OLD_NODE = '/usr/bin/node';
const oldNodeVersion = existsSync(OLD_NODE)
  ? execFileSync(OLD_NODE, ['-p', 'process.version'], { encoding: 'utf8' }).trim()
  : undefined;
const oldNodeMajor = Number(/^v(\d+)\./.exec(oldNodeVersion ?? '')?.[1] ?? Number.NaN);
const skipReason =
  oldNodeVersion === undefined
    ? `no ${OLD_NODE} on this machine`
    : oldNodeMajor >= REQUIRED_NODE_MAJOR
      ? `${OLD_NODE} is ${oldNodeVersion}, not older than ${REQUIRED_NODE_MAJOR}`
      : undefined;

describe('the aws-framework-local bin on an older Node.js', () => {
  it.skipIf(skipReason !== undefined)(
    `exits 1 saying which version it found${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    async () => {
      const child = spawn(OLD_NODE, ['bin/aws-framework-local.js', 'x.ts'], {
        cwd: packageDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      const code = await withTimeout(
        new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode))),
        WAIT_MS,
        'the bin to exit on the old Node.js',
      );
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(`aws-framework-local needs Node.js >= 22; found ${oldNodeVersion}`);
      expect(stdout).toBe('');
    },
  );
});
