import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type LoadedHandler, type LoadedHandlerFn, loadHandler } from './loadHandler.js';
import { logUnhandledRejections } from './logUnhandledRejections.js';
import { startLocalGateway } from './startLocalGateway.js';
import { swappableHandler } from './swappableHandler.js';
import { watchFolder } from './watchFolder.js';

const USAGE = `usage: aws-framework-local <module> [--export handler] [--port 3001] [--host 127.0.0.1] [--stage local]
       [--static DIR] [--route-responses] [--routes a,b,c] [--mock-routes ping] [--watch]
       [--client-buffer-bytes N] [--management-rate-limit N]
       [--authorizer module[#export]] [--identity-source route.request.querystring.token,...]

Runs the Lambda handler exported by <module> (JavaScript or TypeScript) behind a local API Gateway
WebSocket API, with the management API on the same port.

  --routes a,b,c              the route keys the API declares; other actions go to $default
  --mock-routes ping          route keys on a MOCK integration: answered without invoking a handler
  --watch                     reload the handler when a file under its module's folder changes
  --client-buffer-bytes N     unsent bytes a client may hold before POSTs to it answer 429
  --management-rate-limit N   management API requests per second before they answer 429
  --authorizer module#export  a REQUEST Lambda authorizer that runs before $connect (export
                              default: handler)
  --identity-source a,b       route.request.header.NAME / route.request.querystring.NAME the
                              authorizer needs; a request lacking one is refused 401`;

interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleIo: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

function positiveIntegerFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number <= 0) {
    throw new TypeError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return number;
}

function routeKeysFlag(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const keys = value.split(',').map((key) => key.trim());
  if (keys.some((key) => key === '')) {
    throw new TypeError(`${flag} must list route keys separated by commas, with none empty; got "${value}"`);
  }
  return keys;
}

/** The CLI; resolves the exit code once the gateway has stopped (SIGINT/SIGTERM) or failed to start. */
export async function main(argv: string[], io: CliIo = consoleIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  let routeKeys: string[] | undefined;
  let mockRoutes: string[] | undefined;
  let clientBufferBytes: number | undefined;
  let managementRateLimit: number | undefined;
  try {
    parsed = parse(argv);
    routeKeys = routeKeysFlag('--routes', parsed.values.routes);
    mockRoutes = routeKeysFlag('--mock-routes', parsed.values['mock-routes']);
    clientBufferBytes = positiveIntegerFlag('--client-buffer-bytes', parsed.values['client-buffer-bytes']);
    managementRateLimit = positiveIntegerFlag(
      '--management-rate-limit',
      parsed.values['management-rate-limit'],
    );
  } catch (error) {
    io.err(`${describe(error)}\n${USAGE}`);
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

  if (values['identity-source'] !== undefined && values.authorizer === undefined) {
    io.err(`--identity-source needs --authorizer\n${USAGE}`);
    return 2;
  }
  const first = await loadHandler(module, values.export);
  if ('problem' in first) {
    io.err(first.problem);
    return 1;
  }
  let authorizer: { handler: LoadedHandlerFn; identitySource?: string[] } | undefined;
  if (values.authorizer !== undefined) {
    const [authorizerModule = '', authorizerExport = 'handler'] = values.authorizer.split('#');
    const loadedAuthorizer = await loadHandler(authorizerModule, authorizerExport);
    if ('problem' in loadedAuthorizer) {
      io.err(`--authorizer: ${loadedAuthorizer.problem}`);
      return 1;
    }
    authorizer = {
      handler: loadedAuthorizer.handler,
      identitySource: values['identity-source']?.split(',').map((source) => source.trim()),
    };
  }
  let loaded: LoadedHandler = first;
  const swappable = values.watch ? swappableHandler(loaded.handler) : undefined;

  const stopLogging = logUnhandledRejections(io.err);
  try {
    let gateway: Awaited<ReturnType<typeof startLocalGateway>>;
    try {
      gateway = await startLocalGateway({
        handler: swappable?.handler ?? loaded.handler,
        port,
        host: values.host,
        stage: values.stage,
        staticDir: values.static,
        routeResponses: values['route-responses'],
        routeKeys,
        mockRoutes,
        clientBufferBytes,
        managementRateLimit,
        authorizer,
        logger: { info: io.out, error: io.err },
      });
    } catch (error) {
      io.err(`cannot start the gateway: ${describe(error)}`);
      return 1;
    }
    io.out(`WebSocket URL:       ${gateway.url}`);
    io.out(`Management endpoint: ${gateway.endpoint}`);
    if (values.static) io.out(`Static files:        http://${new URL(gateway.endpoint).host}/`);

    let watcher: { close(): void } | undefined;
    if (swappable) {
      // Reloads run one at a time, and a burst of changes during one queues a single next one.
      let reloading = Promise.resolve();
      let queued = false;
      const reload = async () => {
        queued = false;
        const next = await loadHandler(module, values.export);
        if ('problem' in next) {
          io.err(`reload failed, still serving the previous handler: ${next.problem}`);
          return;
        }
        const previous = loaded;
        swappable.swap(next.handler);
        loaded = next;
        io.out(`reloaded ${module}`);
        await previous.release();
      };
      const directory = dirname(resolve(module));
      watcher = watchFolder(directory, () => {
        if (queued) return;
        queued = true;
        reloading = reloading
          .then(reload)
          .catch((error: unknown) => io.err(`reload failed: ${describe(error)}`));
      });
      io.out(`Watching:            ${directory}`);
    }

    await new Promise<void>((resolveStop) => {
      const stop = (signal: string) => {
        io.out(`${signal}: disconnecting every client`);
        resolveStop();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    watcher?.close();
    await gateway.close();
    return 0;
  } finally {
    stopLogging();
  }
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
      routes: { type: 'string' },
      'mock-routes': { type: 'string' },
      watch: { type: 'boolean', default: false },
      'client-buffer-bytes': { type: 'string' },
      'management-rate-limit': { type: 'string' },
      authorizer: { type: 'string' },
      'identity-source': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
