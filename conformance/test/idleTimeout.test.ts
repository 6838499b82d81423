// The idle timeout, on a local gateway set to 2 seconds: AWS's is fixed at 10 minutes, too long for
// a test, so these run only locally and are skipped (with a message) against a deployed stage.
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect } from 'vitest';
import { LOCAL_IDLE_TIMEOUT_MS } from '../target.js';
import { localOnly, sleep, useTarget } from './support.js';

const conformance = useTarget();

const REASON = "AWS's idle timeout is fixed at 10 minutes";

function idleGateway() {
  const idle = conformance.target.idle;
  if (!idle) throw new Error('the target has no short-idle gateway');
  return idle;
}

describe('idle timeout', () => {
  localOnly(
    REASON,
    'closes a connection with no traffic after the idle timeout, with 1001',
    async () => {
      const client = await conformance.open(idleGateway().url);
      await client.connectionId();
      const lastActive = Date.now();
      const { code } = await client.waitClose(LOCAL_IDLE_TIMEOUT_MS + 2_000);
      const idleFor = Date.now() - lastActive;
      expect(code).toBe(1001);
      expect(idleFor).toBeGreaterThanOrEqual(LOCAL_IDLE_TIMEOUT_MS - 100);
    },
    10_000,
  );

  localOnly(
    REASON,
    'counts a management API push as traffic: pushes keep the connection open',
    async () => {
      const idle = idleGateway();
      const client = await conformance.open(idle.url);
      const connectionId = await client.connectionId();
      const sdk = conformance.sdk(idle.endpoint);
      const push = (text: string) =>
        sdk.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(text) }),
        );

      // Pushes at half the timeout, three times: 1.5 timeouts pass with no client message.
      for (const n of [1, 2, 3]) {
        await sleep(LOCAL_IDLE_TIMEOUT_MS * 0.5);
        await push(`push ${n}`);
        expect((await client.next()).text).toBe(`push ${n}`);
      }
      expect(client.isClosed).toBe(false);
      const lastPush = Date.now();
      const { code } = await client.waitClose(LOCAL_IDLE_TIMEOUT_MS + 2_000);
      expect(code).toBe(1001);
      expect(Date.now() - lastPush).toBeGreaterThanOrEqual(LOCAL_IDLE_TIMEOUT_MS - 100);
    },
    15_000,
  );
});
