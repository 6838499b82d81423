/**
 * Broadcast fan-out: `broadcast` over the SDK transport and over the direct transport, against the
 * original specification's sequential `for ... await` loop and an unbounded `Promise.all` (both
 * through the SDK transport, the default), to a management API stub on 127.0.0.1; then an async
 * generator of 100,000 targets to show the live heap stays flat.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { DriverResult } from '../fixtures/broadcastDriver.js';
import { type Comparison, type Measurement, type Suite, type Target, target } from '../types.js';

const STUB = fileURLToPath(new URL('../fixtures/broadcastStub.ts', import.meta.url));
const DRIVER = fileURLToPath(new URL('../fixtures/broadcastDriver.ts', import.meta.url));
// No run here takes a minute; one that does is stuck, and is killed rather than waited for.
const CHILD_TIMEOUT_MS = 240_000;

type Contender = 'sequential' | 'sequentialDirect' | 'all' | 'broadcast' | 'broadcastDirect';
/** What the driver runs for each contender: its pattern and its transport. */
const DRIVER_ARGS: Record<Contender | 'flat', [string, 'sdk' | 'direct']> = {
  sequential: ['sequential', 'sdk'],
  sequentialDirect: ['sequential', 'direct'],
  all: ['all', 'sdk'],
  broadcast: ['broadcast', 'sdk'],
  broadcastDirect: ['broadcast', 'direct'],
  flat: ['flat', 'direct'],
};
const NAMES: Record<Contender | 'flat', string> = {
  sequential: 'sequential for...await loop (SDK transport)',
  sequentialDirect: 'sequential for...await loop, direct transport',
  all: 'unbounded Promise.all (SDK transport)',
  broadcast: 'broadcast, SDK transport',
  broadcastDirect: 'broadcast, direct transport',
  flat: 'broadcast (direct) from an async generator',
};

const children = new Set<ChildProcess>();
function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** A child with a stdin pipe: the fixtures exit when it closes, so none outlives this process. */
function spawnChild(args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function startStub(): Promise<{ port: number; stop(): void }> {
  const child = spawnChild([STUB]);
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { port: Number(chunk.toString().trim()), stop: () => child.kill() };
}

async function runDriver(args: string[]): Promise<DriverResult> {
  const child = spawnChild(['--expose-gc', DRIVER, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`broadcast driver ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as DriverResult;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const thousands = (n: number) => n.toLocaleString('en-US');

export const suite: Suite = async ({ quick }) => {
  // The transport targets are judged at 0 ms, where every contender is CPU-bound; quick runs keep
  // that and the issue's 10,000 targets, and drop the rest.
  const latencies = quick ? [0] : [0, 10];
  const sizes = quick ? [10_000] : [1_000, 10_000];
  const contenders: Contender[] = quick
    ? ['sequential', 'sequentialDirect', 'broadcast', 'broadcastDirect']
    : ['sequential', 'sequentialDirect', 'all', 'broadcast', 'broadcastDirect'];
  // A sequential loop's rate is the same all along its list, so a time-capped run measures it;
  // 10,000 sends at 10 ms each would otherwise take 2 minutes.
  const sequentialCapMs = quick ? 1_000 : 5_000;
  const rounds = quick ? 1 : 3;
  const flatTargets = quick ? 10_000 : 100_000;
  const flatMark = flatTargets / 10;

  const measurements: Measurement[] = [];
  const comparisons: Comparison[] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  const results = new Map<string, DriverResult>();
  const key = (latency: number, size: number, contender: Contender) => `${latency}/${size}/${contender}`;
  const get = (latency: number, size: number, contender: Contender) =>
    results.get(key(latency, size, contender)) as DriverResult;

  const onExit = () => killChildren();
  process.once('exit', onExit);
  const stub = await startStub();
  try {
    // Interleaved rounds, best throughput kept: other load on the machine only ever slows a run.
    for (const latency of latencies) {
      for (const size of sizes) {
        for (let r = 0; r < rounds; r++) {
          for (const contender of contenders) {
            const [pattern, transport] = DRIVER_ARGS[contender];
            const result = await runDriver([
              '--contender',
              pattern,
              '--transport',
              transport,
              '--endpoint',
              `http://127.0.0.1:${stub.port}/l${latency}-${contender}-${size}-r${r}`,
              '--targets',
              String(size),
              ...(pattern === 'sequential' ? ['--cap-ms', String(sequentialCapMs)] : []),
            ]);
            const best = results.get(key(latency, size, contender));
            if (!best || result.perSecond > best.perSecond)
              results.set(key(latency, size, contender), result);
          }
        }
        for (const contender of contenders) {
          const result = get(latency, size, contender);
          measurements.push({
            label: `${NAMES[contender]}, ${thousands(size)} targets, ${latency} ms stub latency`,
            value: result.perSecond,
            unit: 'msg/s',
            extra: {
              'CPU µs/msg': result.cpuUsPerMessage,
              'peak RSS MB': result.peakRssMb,
              'peak heap MB': result.peakHeapMb,
              ...(result.capped
                ? { note: `rate of the first ${thousands(result.sent)} in ${sequentialCapMs / 1000} s` }
                : { seconds: result.seconds }),
            },
          });
        }
      }
    }

    const [flatPattern, flatTransport] = DRIVER_ARGS.flat;
    const flat = await runDriver([
      '--contender',
      flatPattern,
      '--transport',
      flatTransport,
      '--endpoint',
      `http://127.0.0.1:${stub.port}/l0-flat-${flatTargets}`,
      '--targets',
      String(flatTargets),
      '--mark',
      String(flatMark),
    ]);
    measurements.push({
      label: `${NAMES.flat}, ${thousands(flatTargets)} targets, 0 ms: max live heap`,
      value: flat.liveHeapMaxMb as number,
      unit: 'MB',
      extra: {
        [`live heap MB to the ${thousands(flatMark)}th`]: flat.liveHeapAtMarkMb as number,
        'msg/s': flat.perSecond,
        'peak RSS MB': flat.peakRssMb,
      },
    });
    comparisons.push({
      label: `live heap growth, ${thousands(flatMark)} to ${thousands(flatTargets)} targets`,
      baseline: `max live heap to the ${thousands(flatMark)}th target`,
      ratio: round((flat.liveHeapMaxMb as number) / Math.max(flat.liveHeapAtMarkMb as number, 0.1)),
      note: `${flat.liveHeapAtMarkMb} MB -> ${flat.liveHeapMaxMb} MB over the GC'd baseline (growth ${round((flat.liveHeapMaxMb as number) - (flat.liveHeapAtMarkMb as number), 1)} MB) while the targets grew 10x`,
    });
  } finally {
    stub.stop();
    killChildren();
    process.off('exit', onExit);
  }

  const judgedSize = Math.max(...sizes);
  for (const latency of latencies) {
    for (const size of sizes) {
      const sdk = get(latency, size, 'broadcast');
      const direct = get(latency, size, 'broadcastDirect');
      const sequential = get(latency, size, 'sequential');
      const sequentialDirect = get(latency, size, 'sequentialDirect');
      const where = `${thousands(size)} targets, ${latency} ms`;
      const capped = (result: DriverResult) =>
        result.capped ? { note: 'baseline rate from a time-capped run (see measurements)' } : {};
      const directCpu = round(direct.cpuUsPerMessage / sdk.cpuUsPerMessage);
      const directRate = round(direct.perSecond / sdk.perSecond);
      const directVsSequential = round(direct.perSecond / sequential.perSecond);
      const sdkVsSequential = round(sdk.perSecond / sequential.perSecond);
      comparisons.push(
        {
          label: `broadcast CPU µs/msg, direct transport, ${where}`,
          baseline: NAMES.broadcast,
          ratio: directCpu,
        },
        {
          label: `broadcast msg/s, direct transport, ${where}`,
          baseline: NAMES.broadcast,
          ratio: directRate,
        },
        {
          label: `broadcast msg/s, direct transport, ${where}`,
          baseline: NAMES.sequential,
          ratio: directVsSequential,
          ...capped(sequential),
        },
        {
          label: `broadcast msg/s, direct transport, ${where}`,
          baseline: NAMES.sequentialDirect,
          ratio: round(direct.perSecond / sequentialDirect.perSecond),
          ...capped(sequentialDirect),
        },
        {
          label: `broadcast msg/s, SDK transport, ${where}`,
          baseline: NAMES.sequential,
          ratio: sdkVsSequential,
          ...capped(sequential),
        },
      );
      const all = contenders.includes('all') ? get(latency, size, 'all') : undefined;
      if (all) {
        comparisons.push(
          {
            label: `broadcast msg/s, SDK transport, ${where}`,
            baseline: NAMES.all,
            ratio: round(sdk.perSecond / all.perSecond),
          },
          {
            label: `broadcast peak RSS, SDK transport, ${where}`,
            baseline: NAMES.all,
            ratio: round(sdk.peakRssMb / all.peakRssMb),
          },
        );
      }
      if (size !== judgedSize) continue;
      const at = `(${where}${quick ? '; quick run' : ''})`;
      if (latency === 0) {
        targets.push(
          target(`direct transport CPU per send at most 0.4x the SDK's ${at}`, directCpu, 'x', 'max', 0.4),
          target(`direct transport throughput at least 2.5x the SDK's ${at}`, directRate, 'x', 'min', 2.5),
          target(
            `broadcast (direct) at least 5x the sequential loop ${at}`,
            directVsSequential,
            'x',
            'min',
            5,
          ),
        );
      }
      if (latency === 10) {
        targets.push(
          target(`broadcast (SDK) at least 20x the sequential loop ${at}`, sdkVsSequential, 'x', 'min', 20),
        );
      }
      if (all) {
        targets.push(
          target(
            `broadcast (SDK) at least 0.8x the throughput of Promise.all ${at}`,
            round(sdk.perSecond / all.perSecond),
            'x',
            'min',
            0.8,
          ),
          target(
            `broadcast (SDK) peak RSS at most a quarter of Promise.all's ${at}`,
            round(sdk.peakRssMb / all.peakRssMb),
            'x',
            'max',
            0.25,
          ),
        );
      }
    }
  }
  if (quick) {
    notes.push(
      'Quick run: 10,000 targets at 0 ms only, one round, no Promise.all, and the async generator runs 10,000 targets, not 100,000. Run without --quick for 10 ms, 1,000 targets, Promise.all and the 100,000-target memory check.',
    );
  }
  notes.push(...NOTES);

  return {
    id: 'broadcast',
    title: 'Broadcast fan-out',
    method: `Each contender runs in a fresh node --expose-gc process (bench/fixtures/broadcastDriver.ts) through connections({ endpoint, transport }), warmed up with its own pattern, against a management API stub in another process on 127.0.0.1 (bench/fixtures/broadcastStub.ts); msg/s over the timed run, CPU (user + system) per message sent, memory sampled every 10 ms plus the kernel's RSS high-water mark. ${rounds === 1 ? 'One round' : `Best of ${rounds} interleaved rounds`}; the sequential loops are time-capped at ${sequentialCapMs / 1000} s; the async-generator run forces a GC every 250 ms to read the live heap.`,
    measurements,
    comparisons,
    targets,
    notes,
  };
};

const NOTES = [
  'Latency: the stub answers after 0 ms (loopback, ~0.1 ms) or after a modelled 10 ms standing in for the 5-20 ms Lambda-to-API Gateway hop, the same for every contender. It models the network; it does not weaken a baseline. At 0 ms the sequential loop pays no network wait at all, which it never gets in production, and every contender is CPU-bound: the transport targets are judged there.',
  "The direct transport signs each request with @smithy/signature-v4 and sends it on a keep-alive node:http agent; the SDK transport runs the SDK's middleware stack, endpoint resolution, its own SigV4 signer and its HTTP handler for each. CPU profiles (node --cpu-prof) of the driver, 10,000 targets at 0 ms, self time outside start-up and idle: direct: Node's http client, sockets, streams and timers ~55 %, SigV4 signing (@smithy/signature-v4, @smithy/core, node:crypto) ~17 %, GC ~9 %, packages/aws-framework (the broadcast engine and the transport) ~4 %, the driver's memory sampler ~3 %; SDK: @smithy and @aws-sdk ~40 %, Node's http ~26 %, node:crypto ~11 %, GC ~8 %. What the direct profile showed of ours was fixed: HMAC keys are node:crypto KeyObjects made once per key (an HMAC from a Uint8Array key cost ~27 µs against ~5 µs from a KeyObject, and SigV4 reuses its signing key all day), and only host, x-amz-date and x-amz-content-sha256 are signed (every signed header costs regular expressions on every request; API Gateway asks for no more). The body's SHA-256 is computed once per broadcast and sent as x-amz-content-sha256. Memoizing the per-request HMAC of the access key ID was tried and measured no gain, so it was left out.",
  "The sequential loop through the SDK is the baseline the 5x target is read against (the original specification's loop); a sequential loop through the direct transport is shown beside it. At 0 ms every sender is bound by its CPU per send, so the ratio of a broadcast to a loop over the same transport is ~(latency + loop CPU per send) / (broadcast CPU per send): 1-3x at 0 ms for either transport, whatever the sender, and above 20x from ~10 ms of network latency once the broadcast is not CPU-bound. The 5x target compares the direct broadcast with the SDK loop, so at 0 ms it mostly measures the direct transport's lower CPU per send.",
  "CPU figures depend on what else the machine runs (the load average is above), and so do rates: the stub shares the two cores with the contender. Five earlier full runs on this machine on 2026-11-30, under load averages from ~2 to ~12, gave the direct transport 0.31-0.40x the SDK's CPU per send, 1.89-3.68x its rate and 3.45-6.72x the sequential loop at 0 ms, and the SDK broadcast 16.2-21.1x the loop at 10 ms (21.2x on 2026-11-28, on an Intel Xeon at load ~1.5): the CPU ratio holds, the rates follow the load. An interleaved A/B on the same stub, 10,000 targets at 0 ms, of the SDK broadcast before this transport work (commit 480282c) and after measured 842-979 µs/msg before and 702-770 after: the single-attempt SDK client and the new engine cost nothing.",
  'The broadcast sends each request as one attempt and retries 429, 5xx and dropped connections itself (default 5 attempts), slowing down on account-wide throttling; the stub never throttles, so none of that costs anything here.',
  "Peak memory is the growth of RSS (the kernel's high-water mark, reset at a GC'd baseline) in a fresh process per contender. The SDK transport's peak is mostly V8's young generation filling with the SDK's short-lived garbage (its RSS ratio to Promise.all stays ~0.3 against the 0.25 target, as before this work); the direct transport makes far less. Promise.all's peak is live memory: all 10,000 requests are built, signed and queued at once because the SDK's HTTP agent opens at most 50 sockets.",
];

export default suite;
