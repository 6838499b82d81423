import { routes, type WebSocketEvent, webSocketLambda } from 'aws-framework';

/**
 * The smallest useful WebSocket backend: `echo` answers through the route response, `shout`
 * pushes back through the management API, everything else is told what the API accepts.
 */
export const handler = webSocketLambda(
  routes({
    $connect: async () => {},
    $disconnect: async () => {},
    echo: async (event: WebSocketEvent<{ action: 'echo'; text?: unknown }>) => ({
      statusCode: 200,
      body: { echo: event.body?.text ?? null },
    }),
    shout: async (event: WebSocketEvent<{ action: 'shout'; text?: unknown }>, context) => {
      const text = event.body?.text;
      if (typeof text !== 'string') return { statusCode: 400, body: { message: '"text" must be a string' } };
      await context.send(context.connectionId, { shout: text.toUpperCase() });
    },
    $default: async () => ({
      statusCode: 400,
      body: { message: 'Send {"action":"echo","text":"..."} or {"action":"shout","text":"..."}' },
    }),
  }),
);
