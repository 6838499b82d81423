// The API the client's tests talk to: a contract, and a Lambda answering it per the wire format
// through the management API (context.send), as the server side of aws-framework does.
import { webSocketLambda } from '../src/index.js';
import type { ServerLog } from './clientGateway.js';

export { testContract } from './clientContract.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Body {
  action: string;
  payload: { text: string; ms?: number };
  id?: string;
}

/**
 * `echo` and `slowEcho` reply with their payload, `shout` pushes a `shouted` event, `fail` answers
 * 422 with issues, `note` and `silent` answer nothing. A `$connect` with `?refuse` is refused 401.
 */
export function testHandler(log: ServerLog) {
  return webSocketLambda<Body>(async (event, context) => {
    log.events.push(event);
    if (context.eventType === 'CONNECT') {
      return event.queryStringParameters?.refuse === undefined ? undefined : { statusCode: 401 };
    }
    if (context.eventType !== 'MESSAGE' || !event.body) return;
    const { action, payload, id } = event.body;
    const toClient = (frame: unknown) => context.send(context.connectionId, frame);
    if (action === 'echo' && id) await toClient({ reply: id, ok: true, payload });
    if (action === 'slowEcho' && id) {
      await sleep(payload.ms ?? 0);
      await toClient({ reply: id, ok: true, payload: { text: payload.text } });
    }
    if (action === 'shout')
      await toClient({ event: 'shouted', payload: { text: payload.text.toUpperCase() } });
    if (action === 'fail' && id) {
      await toClient({
        reply: id,
        ok: false,
        error: {
          status: 422,
          message: 'Invalid message',
          issues: [{ path: ['text'], message: 'Too short' }],
        },
      });
    }
  });
}
