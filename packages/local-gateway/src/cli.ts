import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startLocalGateway } from './startLocalGateway.js';

const USAGE = `usage: aws-framework-local <module> [--export handler] [--port 3001] [--host 127.0.0.1] [--stage local] [--static DIR] [--route-responses]

Runs the Lambda handler exported by <module> (JavaScript or TypeScript) behind a local API Gateway
WebSocket API, with the management API on the same port.`;

interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleIo: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** Loads `module` (TypeScript through tsx) and returns its export `name`, or a message saying why not. */
export async function loadHandler(
  module: string,
  name: string,
): Promise<{ handler: (event: unknown, context: unknown) => unknown } | { problem: string }> {
  const url = pathToFileURL(resolve(module)).href;
  let loaded: Record<string, unknown>;
  try {
    const { tsImport } = await import('tsx/esm/api');
    loaded = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    return {
      problem: `cannot load module ${module}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const handler = loaded[name];
  if (typeof handler !== 'function') {
    const exports = Object.keys(loaded).join(', ') || 'none';
    return { problem: `module ${module} has no function export "${name}" (its exports: ${exports})` };
  }
  return { handler: handler as (event: unknown, context: unknown) => unknown };
}

/** The CLI; resolves the exit code once the gateway has stopped (SIGINT/SIGTERM) or failed to start. */
export async function main(argv: string[], io: CliIo = consoleIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const module = positionals[0];
  if (!module || positionals.length > 1) {
    io.err(USAGE);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    io.err(`--port must be an integer from 0 to 65535, got ${values.port}`);
    return 2;
  }

  const loaded = await loadHandler(module, values.export);
  if ('problem' in loaded) {
    io.err(loaded.problem);
    return 1;
  }

  let gateway: Awaited<ReturnType<typeof startLocalGateway>>;
  try {
    gateway = await startLocalGateway({
      handler: loaded.handler,
      port,
      host: values.host,
      stage: values.stage,
      staticDir: values.static,
      routeResponses: values['route-responses'],
      logger: { info: io.out, error: io.err },
    });
  } catch (error) {
    io.err(`cannot start the gateway: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  io.out(`WebSocket URL:       ${gateway.url}`);
  io.out(`Management endpoint: ${gateway.endpoint}`);
  if (values.static) io.out(`Static files:        http://${new URL(gateway.endpoint).host}/`);

  await new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      io.out(`${signal}: disconnecting every client`);
      resolveStop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await gateway.close();
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      export: { type: 'string', default: 'handler' },
      port: { type: 'string', default: '3001' },
      host: { type: 'string', default: '127.0.0.1' },
      stage: { type: 'string', default: 'local' },
      static: { type: 'string' },
      'route-responses': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
