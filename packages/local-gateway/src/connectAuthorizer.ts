import { authorizerDecision } from './authorizerResult.js';
import {
  authorizerEvent,
  type ConnectionFacts,
  connectEvent,
  type GatewayFacts,
  type UpgradeRequestFacts,
} from './events.js';
import type { GatewayLog } from './gatewayLog.js';
import { missingIdentitySource } from './identitySource.js';
import { invoke } from './invoke.js';
import type { ResolvedOptions } from './options.js';

/**
 * The region the local gateway's ARNs name (an authorizer's `methodArn`): fixed, since nothing of
 * AWS's is involved, so that an authorizer's policy can be written against it.
 */
export const LOCAL_REGION = 'us-east-1';
/**
 * The account the local gateway's ARNs name (an authorizer's `methodArn`:
 * `arn:aws:execute-api:us-east-1:000000000000:{apiId}/{stage}/$connect`): twelve zeros, fixed.
 */
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface ConnectAuthorizerContext {
  gateway: GatewayFacts;
  /** The `$connect` Lambda's name; the authorizer's is this with `-authorizer`. */
  functionName: string;
  integrationTimeoutMs: number;
  log: GatewayLog;
}

/** The handshake's refusal, or how long the authorizer took (for `$connect`'s event). */
export type ConnectAuthorization = { status: number; body: string } | { integrationLatency: number };

/**
 * Runs the REQUEST authorizer as API Gateway does on `$connect`: a missing identity source is
 * 401 without invoking it; otherwise its outcome decides (see authorizerDecision). Allowed, the
 * connection's facts get `{ principalId, ...context }`, the context's values as strings (AWS: "The
 * returned values are all stringified", Lambda authorizer output), which every event of the
 * connection carries. No result caching: a WebSocket authorizer runs on every `$connect` (the
 * result TTL is an HTTP API setting).
 *
 * @example
 * const authorized = await authorizeConnect(config.authorizer, facts, upgradeRequest, context);
 * if ('status' in authorized) refuseUpgrade(socket, authorized.status, authorized.body);
 */
export async function authorizeConnect(
  authorizer: NonNullable<ResolvedOptions['authorizer']>,
  facts: ConnectionFacts,
  upgradeRequest: UpgradeRequestFacts,
  { gateway, functionName, integrationTimeoutMs, log }: ConnectAuthorizerContext,
): Promise<ConnectAuthorization> {
  const missing = missingIdentitySource(
    authorizer.identitySources,
    upgradeRequest.rawHeaders,
    upgradeRequest.query,
  );
  if (missing) {
    log.info(() => `$connect ${facts.connectionId} 401: identity source ${missing.expression} missing`);
    return { status: 401, body: JSON.stringify({ message: 'Unauthorized' }) };
  }
  const methodArn = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${gateway.apiId}/${gateway.stage}/$connect`;
  const event = authorizerEvent(connectEvent(gateway, facts, upgradeRequest), methodArn);
  const outcome = await invoke(authorizer.handler, event, `${functionName}-authorizer`, integrationTimeoutMs);
  const decision = authorizerDecision(outcome, methodArn);
  if (!decision.allow) {
    const line = () => `authorizer ${facts.connectionId} ${decision.status}: ${decision.why} ${outcome.ms}ms`;
    if (decision.status === 500) log.error(line);
    else log.info(line);
    return decision;
  }
  log.info(() => `authorizer ${facts.connectionId} allowed ${decision.principalId} ${outcome.ms}ms`);
  const context = Object.entries(decision.context).map(([key, value]) => [key, String(value)]);
  facts.authorizer = { ...Object.fromEntries(context), principalId: decision.principalId };
  return { integrationLatency: Math.round(outcome.ms) };
}
