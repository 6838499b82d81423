import { describe, expect, it } from 'vitest';
import { gatewayLog } from '../src/gatewayLog.js';

describe('gatewayLog', () => {
  it('writes one line per invocation: route key, connection, status, ms; failures to error', () => {
    const lines: string[] = [];
    const log = gatewayLog({
      info: (line) => lines.push(line),
      error: (line) => lines.push(`error: ${line}`),
    });
    log.invocation('send', 'c=', { ok: true, result: { statusCode: 204 }, ms: 1.5 });
    log.invocation('send', 'c=', { ok: true, result: undefined, ms: 2 });
    log.invocation('send', 'c=', { ok: false, error: new Error('boom'), timedOut: false, ms: 3 });
    log.invocation('send', 'c=', { ok: false, error: new Error('late'), timedOut: true, ms: 4 });
    expect(lines).toEqual([
      'send c= 204 1.5ms',
      'send c= 200 2ms',
      'error: send c= failed (threw Error: boom) 3ms',
      'error: send c= failed (timed out) 4ms',
    ]);
  });

  it('ignores a logger that throws', () => {
    const log = gatewayLog({
      info: () => {
        throw new Error('sink down');
      },
      error: () => {
        throw new Error('sink down');
      },
    });
    expect(() => {
      log.info(() => 'a');
      log.error(() => 'b');
      log.invocation('send', 'c=', { ok: true, result: undefined, ms: 1 });
    }).not.toThrow();
  });

  it('builds no line without a logger', () => {
    const log = gatewayLog(undefined);
    log.info(() => {
      throw new Error('built a line nobody reads');
    });
  });
});
