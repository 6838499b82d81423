import { type InvocationOutcome, statusOf } from './invoke.js';
import type { GatewayLogger } from './options.js';

/**
 * The gateway's log: lines are built only when a logger is set, and a logger that throws is
 * ignored, so it can never become an unhandled rejection that stops the gateway.
 */
export interface GatewayLog {
  info(line: () => string): void;
  error(line: () => string): void;
  /** One line per invocation: `route key, connection, status, ms`; failures go to `error`. */
  invocation(routeKey: string, connectionId: string, outcome: InvocationOutcome): void;
}

const SILENT: GatewayLog = { info() {}, error() {}, invocation() {} };

/**
 * Wraps the `logger` option (undefined when silent).
 *
 * @example
 * const log = gatewayLog(console);
 * log.info(() => `declared routes: ${keys.join(', ')}`);
 */
export function gatewayLog(logger: GatewayLogger | undefined): GatewayLog {
  if (!logger) return SILENT;
  function write(level: 'info' | 'error', line: () => string): void {
    try {
      logger?.[level](line());
    } catch {}
  }
  return {
    info: (line) => write('info', line),
    error: (line) => write('error', line),
    invocation(routeKey, connectionId, outcome) {
      if (outcome.ok) {
        write('info', () => `${routeKey} ${connectionId} ${statusOf(outcome.result)} ${outcome.ms}ms`);
      } else {
        const why = outcome.timedOut ? 'timed out' : `threw ${String(outcome.error)}`;
        write('error', () => `${routeKey} ${connectionId} failed (${why}) ${outcome.ms}ms`);
      }
    },
  };
}
