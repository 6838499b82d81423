// The aws mode, exercised without AWS: local gateways stand in for a deployed stage, and the suite
// runs in a child process with CONFORMANCE_URL and CONFORMANCE_ENDPOINT pointing at them. The child
// must use those URLs, skip the local-only tests with their message, and pass the rest.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApis } from '../target.js';
import { config } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const SUITE_CONFIG = join(ROOT, 'conformance/vitest.suite.config.ts');
/** The whole suite in aws mode skips the slow idle tests; a minute is ample. */
const CHILD_TIMEOUT_MS = 90_000;

interface JsonReport {
  testResults: Array<{
    name: string;
    assertionResults: Array<{ title: string; fullName: string; status: string; failureMessages: string[] }>;
  }>;
}

interface ChildRun {
  exitCode: number;
  output: string;
  tests: JsonReport['testResults'][number]['assertionResults'];
}

/** Runs the suite (or some of its files) in a child vitest with only the given CONFORMANCE_* variables. */
async function runSuite(env: Record<string, string>, files: string[], reportDir: string): Promise<ChildRun> {
  const report = join(reportDir, `report-${Object.keys(env).length}-${files.length}.json`);
  const args = [
    VITEST,
    'run',
    '--config',
    SUITE_CONFIG,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...files,
  ];
  const { exitCode, output } = await new Promise<{ exitCode: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      args,
      {
        cwd: ROOT,
        timeout: CHILD_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        // A clean environment: nothing of this vitest's, nor a CONFORMANCE_* of the caller's.
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ exitCode: code, output: `${stdout}\n${stderr}` });
      },
    );
  });
  const json = JSON.parse(await readFile(report, 'utf8').catch(() => '{"testResults":[]}')) as JsonReport;
  return { exitCode, output, tests: json.testResults.flatMap((file) => file.assertionResults) };
}

const MODE_SWITCH = 'aws mode, against local gateways standing in for a stage';

const skipped = (status: string) => status === 'skipped' || status === 'pending';

if (config.mode === 'aws') {
  console.info(
    'conformance: skipped the mode-switch test: it runs the suite against local stand-ins, locally only',
  );
}

describe.skipIf(config.mode === 'aws')(MODE_SWITCH, () => {
  let standIn: Awaited<ReturnType<typeof startLocalApis>>;
  let reportDir: string;
  let full: ChildRun;
  let withoutNoDefault: ChildRun;

  beforeAll(async () => {
    standIn = await startLocalApis();
    reportDir = await mkdtemp(join(tmpdir(), 'conformance-mode-'));
    const stage = { CONFORMANCE_URL: standIn.main.url, CONFORMANCE_ENDPOINT: standIn.main.endpoint };
    [full, withoutNoDefault] = await Promise.all([
      runSuite({ ...stage, CONFORMANCE_URL_NO_DEFAULT: standIn.noDefault.url }, [], reportDir),
      runSuite(stage, ['conformance/test/routing.test.ts'], reportDir),
    ]);
  }, CHILD_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await standIn?.close();
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
  });

  it('reads CONFORMANCE_URL and CONFORMANCE_ENDPOINT, and starts no gateway of its own', () => {
    expect(full.output).toContain(
      `conformance target: aws mode, ${standIn.main.url} (management ${standIn.main.endpoint}; no-$default API ${standIn.noDefault.url})`,
    );
    expect(withoutNoDefault.output).toContain(
      `conformance target: aws mode, ${standIn.main.url} (management ${standIn.main.endpoint}; no-$default API not set)`,
    );
    expect(full.output).not.toContain('conformance target: local mode');
  });

  it('skips the local-only tests, saying why, and runs every other test', () => {
    const localOnly = full.tests.filter((test) => test.title.includes('(local only: '));
    expect(localOnly.length).toBeGreaterThanOrEqual(2);
    for (const test of localOnly) {
      expect(skipped(test.status), test.fullName).toBe(true);
      const name = test.title.replace(/ \(local only: .*\)$/, '');
      expect(full.output).toContain(`conformance: skipped "${name}": local only, `);
    }
    const others = full.tests.filter((test) => !localOnly.includes(test) && skipped(test.status));
    // The mode-switch tests themselves are the only other skips: the child must not recurse into them.
    expect(others.length).toBeGreaterThan(0);
    for (const test of others) expect(test.fullName.startsWith(MODE_SWITCH)).toBe(true);
    expect(full.output).toContain('conformance: skipped the mode-switch test');
  });

  it('skips the tests of the API without $default, saying so, when CONFORMANCE_URL_NO_DEFAULT is unset', () => {
    const forbidden = withoutNoDefault.tests.find((test) => test.title.includes('Forbidden'));
    expect(forbidden && skipped(forbidden.status)).toBe(true);
    expect(withoutNoDefault.output).toMatch(
      /conformance: skipped ".*Forbidden.*": CONFORMANCE_URL_NO_DEFAULT is not set/,
    );
    const ranForbidden = full.tests.find((test) => test.title.includes('Forbidden'));
    expect(ranForbidden?.status).toBe('passed');
  });

  it('passes every shared test against the stand-in, as against the local target', () => {
    const failed = full.tests.filter((test) => test.status === 'failed');
    expect(
      failed.map((test) => `${test.fullName}: ${test.failureMessages[0]?.split('\n')[0]}`),
      full.output.slice(-4_000),
    ).toEqual([]);
    expect(full.tests.filter((test) => test.status === 'passed').length).toBeGreaterThan(20);
    expect(full.exitCode).toBe(0);
  });
});
