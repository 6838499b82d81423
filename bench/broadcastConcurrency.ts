/**
 * Measures broadcast throughput and memory against concurrency, to choose
 * DEFAULT_BROADCAST_CONCURRENCY. A measurement script, not a test.
 *
 *   cd /work/main && source scripts/toolchain.sh
 *   node node_modules/typescript/bin/tsc -p packages/aws-framework/tsconfig.build.json
 *   node --expose-gc --import tsx bench/broadcastConcurrency.ts
 *     [--targets 5000] [--latency 0,5] [--concurrency 1,4,...] [--flat 100000]
 *
 * The management API stub (200 for every POST, after an optional artificial latency standing in
 * for a network hop) runs in a child process, so it shares neither the event loop nor the heap of
 * the broadcasting process. Each (latency, concurrency) pair gets its own stage path, hence its own
 * SDK client, warmed up before the timed run so socket set-up is not measured.
 *
 * Columns: msg/s; client CPU per message (user + system, µs); server-side peak requests in flight
 * (the SDK's HTTP agent caps sockets at 50 per client); growth of this process's RSS over the run;
 * peak heapUsed over a GC'd baseline (garbage included) and what is still retained after a GC.
 * `--flat N` adds an async-generator run of N/10 and N targets at the default concurrency with the
 * live heap sampled (forced GC every 250 ms): it should not grow with N. Off by default, as 100,000
 * targets take ~90 s here (with the forced GCs) and the default run is meant to stay under two
 * minutes (~95 s on 2 vCPUs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { connections, DEFAULT_BROADCAST_CONCURRENCY } from '../packages/aws-framework/dist/index.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '5000' },
    latency: { type: 'string', default: '0,5' },
    concurrency: { type: 'string', default: '1,4,8,16,32,64,128,256' },
    flat: { type: 'string', default: '0' },
  },
});
const TARGETS = Number(values.targets);
const LATENCIES = values.latency.split(',').map(Number);
const CONCURRENCIES = values.concurrency.split(',').map(Number);
const FLAT_TARGETS = Number(values.flat);

// The stub: POST /{stage}/@connections/{id} -> 200 after `latency` ms (from the stage name
// `l{latency}-...`); GET /stats/{stage} -> { received, maxInFlight }.
const STUB = `
const http = require('node:http');
const stats = new Map();
const server = http.createServer((req, res) => {
  const stat = /^\\/stats\\/([^/]+)$/.exec(req.url);
  if (stat) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats.get(stat[1]) ?? { received: 0, maxInFlight: 0 }));
    return;
  }
  const m = /^\\/(l(\\d+)-[^/]+)\\/@connections\\//.exec(req.url);
  if (!m) { res.writeHead(404).end(); return; }
  const s = stats.get(m[1]) ?? { received: 0, maxInFlight: 0, inFlight: 0 };
  stats.set(m[1], s);
  s.received++; s.inFlight++; s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
  res.on('close', () => { s.inFlight--; });
  req.resume();
  req.on('end', () => {
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const latency = Number(m[2]);
    if (latency > 0) setTimeout(answer, latency); else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startStub(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', STUB], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, port: Number(chunk.toString().trim()) };
}

const gc = (globalThis as { gc?: () => void }).gc;
const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

interface Row {
  latency: number;
  concurrency: number;
  targets: number;
  seconds: number;
  perSecond: number;
  cpuUsPerMsg: number;
  serverMaxInFlight: number;
  rssGrowthMb: number;
  heapPeakMb: number;
  retainedMb: number;
  liveHeapMaxMb?: number;
}

async function measure(
  port: number,
  latency: number,
  concurrency: number,
  targetCount: number,
  targets: () => Iterable<string> | AsyncIterable<string>,
  sampleLiveHeap = false,
): Promise<Row> {
  const stage = `l${latency}-c${concurrency}-n${targetCount}`;
  const ws = connections({ endpoint: `http://127.0.0.1:${port}/${stage}` });
  // Warm-up: loads the client, opens its sockets, lets the JIT see the path.
  await ws.broadcast(ids(Math.min(2 * concurrency, 500), 'warm'), { msg: 'x' }, { concurrency });

  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage.rss();
  let peakHeap = heapBefore;
  let peakRss = rssBefore;
  let liveHeapMax = heapBefore;
  const sample = setInterval(() => {
    const { heapUsed, rss } = process.memoryUsage();
    peakHeap = Math.max(peakHeap, heapUsed);
    peakRss = Math.max(peakRss, rss);
  }, 5);
  const live = sampleLiveHeap
    ? setInterval(() => {
        gc?.();
        liveHeapMax = Math.max(liveHeapMax, process.memoryUsage().heapUsed);
      }, 250)
    : undefined;

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const report = await ws.broadcast(targets(), { msg: 'x' }, { concurrency });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sample);
  clearInterval(live);
  const { heapUsed, rss } = process.memoryUsage();
  peakHeap = Math.max(peakHeap, heapUsed);
  peakRss = Math.max(peakRss, rss);
  gc?.();
  const retained = process.memoryUsage().heapUsed - heapBefore;

  if (report.sent !== targetCount) {
    throw new Error(
      `expected ${targetCount} sent, got ${JSON.stringify({ ...report, failed: report.failed.length })}`,
    );
  }
  const stats = (await (await fetch(`http://127.0.0.1:${port}/stats/${stage}`)).json()) as {
    maxInFlight: number;
  };
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return {
    latency,
    concurrency,
    targets: targetCount,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(targetCount / seconds),
    cpuUsPerMsg: Math.round((cpu.user + cpu.system) / targetCount),
    serverMaxInFlight: stats.maxInFlight,
    rssGrowthMb: mb(peakRss - rssBefore),
    heapPeakMb: mb(peakHeap - heapBefore),
    retainedMb: mb(retained),
    ...(sampleLiveHeap ? { liveHeapMaxMb: mb(liveHeapMax - heapBefore) } : {}),
  };
}

const { child, port } = await startStub();
const benchStarted = performance.now();
try {
  if (!gc) console.warn('run with node --expose-gc for comparable heap numbers');
  console.log(
    `node ${process.version}, ${os.availableParallelism()} CPUs, load ${os.loadavg()[0]?.toFixed(2)}; ${TARGETS} targets per run (array); default concurrency today ${DEFAULT_BROADCAST_CONCURRENCY}`,
  );
  const rows: Row[] = [];
  for (const latency of LATENCIES) {
    for (const concurrency of CONCURRENCIES) {
      const row = await measure(port, latency, concurrency, TARGETS, () => ids(TARGETS, 'c'));
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  console.table(rows);

  if (FLAT_TARGETS > 0) {
    // Memory stays flat for a large async iterable: heap growth over the run, at the default.
    async function* listing(n: number) {
      for (let i = 0; i < n; i++) yield `flat-${i}`;
    }
    const flat: Row[] = [];
    for (const n of [FLAT_TARGETS / 10, FLAT_TARGETS]) {
      flat.push(await measure(port, 0, DEFAULT_BROADCAST_CONCURRENCY, n, () => listing(n), true));
    }
    console.log(`async generator, default concurrency ${DEFAULT_BROADCAST_CONCURRENCY}, 0 ms latency:`);
    console.table(flat);
  }
  console.log(`total ${Math.round((performance.now() - benchStarted) / 1000)} s`);
} finally {
  child.kill();
}
