/**
 * `pnpm bench`: runs the suites in bench/suites one after the other, prints a table per suite and
 * rewrites BENCHMARKS.md and docs/benchmarks.svg.
 *
 *   pnpm bench                      every suite, full length; writes the report
 *   pnpm bench --only coldStart     one suite (repeatable, or comma-separated); writes its section
 *                                   and keeps the others' from the previous report
 *   pnpm bench --quick              every suite, briefly (under 60 s); prints only, as CI runs it
 *   pnpm bench --quick --write      ... and writes the report all the same
 *
 * It exits non-zero only when a suite throws: a missed target is a finding, not a failure.
 * Suites import the built package (packages/aws-framework/dist); build it first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  parseSections,
  printSuite,
  type RunInfo,
  renderMarkdown,
  renderSvg,
  type Section,
} from './report.js';
import type { Suite, SuiteResult } from './types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MARKDOWN = path.join(ROOT, 'BENCHMARKS.md');
const SVG = path.join(ROOT, 'docs/benchmarks.svg');

/** In the order they run and appear in BENCHMARKS.md. */
const SUITES = ['invocation', 'coldStart', 'broadcast', 'localGateway'];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    write: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const only = (values.only ?? []).flatMap((o) => o.split(',')).filter((o) => o !== '');
for (const id of only) {
  if (!SUITES.includes(id)) {
    console.error(`unknown suite "${id}"; the suites are ${SUITES.join(', ')}`);
    process.exit(2);
  }
}
const selected = only.length > 0 ? SUITES.filter((id) => only.includes(id)) : SUITES;

const cpus = os.cpus();
const run: RunInfo = {
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
  cores: cpus.length,
  memoryGiB: os.totalmem() / 2 ** 30,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.versions.node,
  mode: quick ? 'quick' : 'full',
  loadAverage: os.loadavg() as [number, number, number],
};
console.log(
  `pnpm bench (${run.mode}): ${run.cpu}, ${run.cores} cores, Node ${run.node}, load average ${run.loadAverage
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

async function loadSuite(id: string): Promise<Suite | undefined> {
  const file = path.join(ROOT, 'bench/suites', `${id}.ts`);
  if (!existsSync(file)) return undefined;
  const module = (await import(pathToFileURL(file).href)) as { default?: Suite; suite?: Suite };
  const suite = module.default ?? module.suite;
  if (typeof suite !== 'function') throw new Error(`bench/suites/${id}.ts exports no suite (default export)`);
  return suite;
}

const results: SuiteResult[] = [];
const failed: string[] = [];
const started = performance.now();
for (const id of selected) {
  const suiteStarted = performance.now();
  try {
    const suite = await loadSuite(id);
    if (!suite) {
      console.log(`\n## ${id}: skipped, bench/suites/${id}.ts does not exist`);
      continue;
    }
    const result = await suite({ quick });
    results.push(result);
    printSuite(result);
    console.log(`(${id}: ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed.push(id);
    console.error(`\n## ${id}: FAILED`);
    console.error(error);
  }
}
const seconds = (performance.now() - started) / 1000;
const met = results.flatMap((r) => r.targets).filter((t) => t.met).length;
const targets = results.flatMap((r) => r.targets).length;
console.log(`\n${results.length} suite(s) in ${seconds.toFixed(1)} s; targets met: ${met} of ${targets}`);

if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}; BENCHMARKS.md left as it was`);
  process.exit(1);
}

if (quick && !values.write) {
  console.log('quick run: BENCHMARKS.md and docs/benchmarks.svg left as they were (--write to rewrite them)');
} else {
  const previous = existsSync(MARKDOWN)
    ? parseSections(await readFile(MARKDOWN, 'utf8'))
    : new Map<string, Section>();
  for (const result of results) previous.set(result.id, { run, result });
  const order = (id: string) => {
    const index = SUITES.indexOf(id);
    return index === -1 ? SUITES.length : index;
  };
  const sections = [...previous.values()].sort((x, y) => order(x.result.id) - order(y.result.id));
  await mkdir(path.dirname(SVG), { recursive: true });
  await writeFile(MARKDOWN, renderMarkdown(sections, path.relative(ROOT, SVG)));
  await writeFile(SVG, renderSvg(sections));
  // Biome formats Markdown too (aligned tables); the generated file is left as `pnpm lint` wants it.
  execFileSync(path.join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', MARKDOWN], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  console.log(`wrote ${path.relative(ROOT, MARKDOWN)} and ${path.relative(ROOT, SVG)}`);
}
