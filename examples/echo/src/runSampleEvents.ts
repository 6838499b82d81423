import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createConnectEvent,
  createDisconnectEvent,
  createLambdaContext,
  createMessageEvent,
} from 'aws-framework/testing';
import { handler } from './handler.js';

// Until the local gateway runs the handler behind a real socket, a small HTTP server on
// 127.0.0.1 stands in for the management API so that `context.send` has somewhere to go.
const pushed: string[] = [];
const managementApi = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    pushed.push(`${request.method} ${request.url} ${Buffer.concat(chunks).toString('utf8')}`);
    response.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => managementApi.listen(0, '127.0.0.1', resolve));
const { port } = managementApi.address() as AddressInfo;

const connection = {
  requestContext: { connectionId: 'Ls5cXfD2IAMCJ8g=', domainName: `127.0.0.1:${port}`, stage: 'local' },
};
const samples = [
  ['$connect', createConnectEvent(connection)],
  ['echo', createMessageEvent({ action: 'echo', text: 'hello' }, connection)],
  ['shout', createMessageEvent({ action: 'shout', text: 'hello' }, connection)],
  ['unknown action', createMessageEvent({ action: 'dance' }, connection)],
  ['not JSON', createMessageEvent('hello?', connection)],
  ['$disconnect', createDisconnectEvent(connection)],
] as const;

for (const [name, event] of samples) {
  pushed.length = 0;
  const result = await handler(event, createLambdaContext());
  console.log(`${name.padEnd(15)} -> ${JSON.stringify(result)}`);
  for (const line of pushed) console.log(`${''.padEnd(15)}    pushed: ${line}`);
}
managementApi.close();
