import { fileURLToPath } from 'node:url';
import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { ConnectionsTable } from './ConnectionsTable.js';
import { WebSocketBackend } from './WebSocketBackend.js';

/** The pnpm workspace root: esbuild runs there, and resolves the chat's dependencies from it. */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The chat's Lambda entry point, the same module the local gateway runs. */
export const CHAT_HANDLER_ENTRY = fileURLToPath(new URL('../../src/handler.ts', import.meta.url));
/** Every route the chat answers; API Gateway selects among them by `$request.body.action`. */
export const CHAT_ROUTES = ['$connect', '$disconnect', '$default', 'sendMessage'];

export interface ChatStackProps extends StackProps {
  /** The connections table's removal policy; default `DESTROY` (see `ConnectionsTable`). */
  tableRemovalPolicy?: RemovalPolicy;
  /** Merged over `WebSocketBackend`'s bundling defaults (the tests ask for esbuild's metafile). */
  bundling?: nodejs.BundlingOptions;
}

/** The chat on AWS: a WebSocket API, the chat Lambda behind every route, and its connections table. */
export class ChatStack extends Stack {
  readonly table: ConnectionsTable;
  readonly backend: WebSocketBackend;

  constructor(scope: Construct, id: string, props: ChatStackProps = {}) {
    super(scope, id, props);
    this.table = new ConnectionsTable(this, 'Connections', {
      ...(props.tableRemovalPolicy ? { removalPolicy: props.tableRemovalPolicy } : {}),
    });
    this.backend = new WebSocketBackend(this, 'Chat', {
      entry: CHAT_HANDLER_ENTRY,
      routes: CHAT_ROUTES,
      table: this.table,
      projectRoot: WORKSPACE_ROOT,
      depsLockFilePath: `${WORKSPACE_ROOT}pnpm-lock.yaml`,
      ...(props.bundling ? { bundling: props.bundling } : {}),
    });

    new CfnOutput(this, 'WebSocketUrl', {
      description: 'Connect here, e.g. npx wscat -c "<url>?name=ana&room=lobby"',
      value: this.backend.url,
    });
    new CfnOutput(this, 'ManagementEndpoint', {
      description: 'The @connections API (the handler derives it from each event; shown for scripts)',
      value: this.backend.callbackUrl,
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }
}
