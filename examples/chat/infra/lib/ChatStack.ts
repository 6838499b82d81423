import { fileURLToPath } from 'node:url';
import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  bundledFunction,
  ConnectionsTable,
  type LambdaBuildOverrides,
  WebSocketBackend,
} from 'aws-framework-cdk';
import type { Construct } from 'constructs';
import { CHAT_ROUTES, HEARTBEAT_ROUTE } from '../../src/contract.js';
import { CHAT_IDENTITY_SOURCE, CHAT_TOKEN_AUDIENCE, CHAT_TOKEN_ISSUER } from '../../src/issueChatToken.js';

/** The pnpm workspace root: esbuild works there (its metafile's and source maps' paths are relative to it). */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The chat's Lambda entry point, the same module the local gateway runs. */
export const CHAT_HANDLER_ENTRY = fileURLToPath(new URL('../../src/handler.ts', import.meta.url));
/** The chat's `$connect` authorizer entry point: `jwtAuthorizer`, configured by its environment. */
export const CHAT_AUTHORIZER_ENTRY = fileURLToPath(new URL('../../src/authorizer.ts', import.meta.url));
/** Where the development secret is read from when neither `tokens` nor a context value says otherwise. */
export const DEFAULT_TOKEN_SECRET_PARAMETER = '/aws-framework-chat/token-secret';
/** Every route the chat's Lambda answers (its contract's actions among them); API Gateway selects by `$request.body.action`. */
export { CHAT_ROUTES } from '../../src/contract.js';

/**
 * Which tokens open a connection. The first two are for development: HS256 tokens the chat signs
 * itself (`pnpm token`), checked with a shared secret that ends up in the authorizer's environment.
 * A real deployment takes ID tokens from a Cognito user pool, checked against its published keys.
 */
export type ChatTokens =
  /** The secret itself (CDK context `tokenSecret`): it is written into the template. */
  | { secret: string }
  /** An SSM `String` parameter's name (context `tokenSecretParameter`), resolved at deploy time. */
  | { secretParameterName: string }
  /** A Cognito user pool (`eu-west-1_AbC123`) and app client (contexts `cognitoUserPoolId`, `cognitoClientId`). */
  | { cognitoUserPoolId: string; cognitoClientId: string };

export interface ChatStackProps extends StackProps {
  /**
   * Default: from the CDK context (`-c cognitoUserPoolId=… -c cognitoClientId=…`, `-c tokenSecret=…`
   * or `-c tokenSecretParameter=…`, in that order), else the SSM parameter
   * `DEFAULT_TOKEN_SECRET_PARAMETER`.
   */
  tokens?: ChatTokens;
  /** The connections table's removal policy; default `DESTROY` (see `ConnectionsTable`). */
  tableRemovalPolicy?: RemovalPolicy;
  /** Merged over the functions' esbuild options, `lambdaBuildOptions` (the tests ask for a metafile). */
  bundling?: LambdaBuildOverrides;
}

/** The chat on AWS: a WebSocket API, the chat Lambda behind every route, and its connections table. */
export class ChatStack extends Stack {
  readonly table: ConnectionsTable;
  readonly backend: WebSocketBackend;
  /** The `$connect` authorizer's function. */
  readonly authorizerFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: ChatStackProps = {}) {
    super(scope, id, props);
    this.table = new ConnectionsTable(this, 'Connections', {
      ...(props.tableRemovalPolicy ? { removalPolicy: props.tableRemovalPolicy } : {}),
    });
    const bundling = {
      projectRoot: WORKSPACE_ROOT,
      ...(props.bundling ? { bundling: props.bundling } : {}),
    };
    this.authorizerFunction = bundledFunction(this, 'Authorizer', {
      entry: CHAT_AUTHORIZER_ENTRY,
      environment: this.tokenEnvironment(props.tokens ?? this.tokensFromContext()),
      ...bundling,
    });
    this.backend = new WebSocketBackend(this, 'Chat', {
      entry: CHAT_HANDLER_ENTRY,
      routes: [...CHAT_ROUTES],
      heartbeatRoute: HEARTBEAT_ROUTE,
      table: this.table,
      authorizer: { function: this.authorizerFunction, identitySource: CHAT_IDENTITY_SOURCE },
      ...bundling,
    });

    new CfnOutput(this, 'WebSocketUrl', {
      description: 'Connect here, e.g. npx wscat -c "<url>?room=lobby&token=$TOKEN"',
      value: this.backend.url,
    });
    new CfnOutput(this, 'ManagementEndpoint', {
      description: 'The @connections API (the handler derives it from each event; shown for scripts)',
      value: this.backend.callbackUrl,
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }

  private tokensFromContext(): ChatTokens {
    const context = (key: string): string | undefined => this.node.tryGetContext(key) || undefined;
    const cognitoUserPoolId = context('cognitoUserPoolId');
    const cognitoClientId = context('cognitoClientId');
    if (cognitoUserPoolId || cognitoClientId) {
      if (!cognitoUserPoolId || !cognitoClientId) {
        throw new Error('ChatStack: give both cognitoUserPoolId and cognitoClientId');
      }
      return { cognitoUserPoolId, cognitoClientId };
    }
    const secret = context('tokenSecret');
    if (secret) return { secret };
    return { secretParameterName: context('tokenSecretParameter') ?? DEFAULT_TOKEN_SECRET_PARAMETER };
  }

  /** The authorizer's TOKEN_ISSUER, TOKEN_AUDIENCE and (development) TOKEN_SECRET. */
  private tokenEnvironment(tokens: ChatTokens): Record<string, string> {
    if ('cognitoUserPoolId' in tokens) {
      // A pool ID starts with its region (`eu-west-1_AbC123`), which names the issuer.
      const region = tokens.cognitoUserPoolId.split('_')[0];
      return {
        TOKEN_ISSUER: `https://cognito-idp.${region}.amazonaws.com/${tokens.cognitoUserPoolId}`,
        TOKEN_AUDIENCE: tokens.cognitoClientId,
      };
    }
    const secret =
      'secret' in tokens
        ? tokens.secret
        : // A String parameter: CloudFormation cannot put a SecureString in a Lambda environment.
          ssm.StringParameter.valueForStringParameter(this, tokens.secretParameterName);
    return { TOKEN_ISSUER: CHAT_TOKEN_ISSUER, TOKEN_AUDIENCE: CHAT_TOKEN_AUDIENCE, TOKEN_SECRET: secret };
  }
}
