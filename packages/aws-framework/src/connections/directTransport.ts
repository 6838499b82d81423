import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { credentialsFor } from './credentials.js';
import { ManagementApiResponseError, UnexpectedAnswerError } from './errors.js';
import type {
  ConnectionInfo,
  ManagementTransport,
  PreparedPayload,
  RetryMode,
} from './managementTransport.js';
import { regionFor } from './resolveEndpoint.js';
import { withSdkRetries } from './retry.js';
import { NodeSha256, sha256Hex } from './sha256.js';

type SignerModule = typeof import('@smithy/signature-v4');
type Signer = InstanceType<SignerModule['SignatureV4']>;

/** Sockets per endpoint until a broadcast asks for more: the SDK's agent default. */
const INITIAL_SOCKETS = 50;
/** A request whose socket stays silent this long fails with `ETIMEDOUT` (retried as the SDK does). */
const SOCKET_TIMEOUT_MS = 30_000;
/** The SHA-256 of an empty body, for DELETE and GET. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer | undefined;
}

interface DirectClient {
  agent: http.Agent;
  /** One signed request; resolves with any answer, rejects only when there was none. */
  request(
    method: 'POST' | 'DELETE' | 'GET',
    connectionId: string,
    payload: PreparedPayload | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer>;
}

let signerModule: Promise<SignerModule> | undefined;
const clients = new Map<string, Promise<DirectClient>>();
const transports = new Map<string, Promise<ManagementTransport>>();

// Loaded on the first send only, as the SDK client is: an invocation that sends nothing never
// parses the signer (nor the credential chain, see credentials.ts).
function loadSigner(): Promise<SignerModule> {
  signerModule ??= import('@smithy/signature-v4');
  signerModule.catch(() => {
    signerModule = undefined;
  });
  return signerModule;
}

async function createDirectClient(endpoint: string): Promise<DirectClient> {
  const { SignatureV4 } = await loadSigner();
  const signer: Signer = new SignatureV4({
    service: 'execute-api',
    region: regionFor(endpoint),
    credentials: credentialsFor(endpoint),
    sha256: NodeSha256,
  });
  const url = new URL(endpoint);
  const secure = url.protocol === 'https:';
  const agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: INITIAL_SOCKETS });
  const requestFn = secure ? https.request : http.request;
  const protocol = url.protocol;
  const host = url.host;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? undefined : Number(url.port);
  const basePath = `${url.pathname.replace(/\/+$/, '')}/@connections/`;

  async function request(
    method: 'POST' | 'DELETE' | 'GET',
    connectionId: string,
    payload: PreparedPayload | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    // Signed: what SigV4 requires (host, x-amz-date) and the body's hash. Every signed header costs
    // CPU on every request, and API Gateway does not ask for more.
    const headers: Record<string, string> = {
      host,
      'x-amz-content-sha256': payload ? (payload.sha256 ?? sha256Hex(payload.bytes)) : EMPTY_SHA256,
    };
    const path = basePath + encodeURIComponent(connectionId);
    // The body is not given to the signer: it takes the hash from x-amz-content-sha256, so a
    // broadcast hashes its message once rather than once per target.
    const signed = (await signer.sign({ method, protocol, hostname, port, path, query: {}, headers }))
      .headers;
    if (payload) {
      signed['content-type'] = 'application/octet-stream';
      signed['content-length'] = String(payload.bytes.byteLength);
    }
    return new Promise<Answer>((resolve, reject) => {
      const outgoing = requestFn(
        {
          agent,
          method,
          hostname,
          port,
          path,
          headers: signed,
          timeout: SOCKET_TIMEOUT_MS,
          ...(signal ? { signal } : {}),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          response.on('error', reject);
          if (status < 300 && method !== 'GET') {
            response.resume();
            response.on('end', () => resolve({ status, headers: response.headers, body: undefined }));
            return;
          }
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status, headers: response.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.on('timeout', () => {
        const timeout = new Error(`No answer from ${host} in ${SOCKET_TIMEOUT_MS} ms`) as Error & {
          code: string;
        };
        timeout.name = 'TimeoutError';
        timeout.code = 'ETIMEDOUT';
        outgoing.destroy(timeout);
      });
      outgoing.end(payload?.bytes);
    });
  }

  return { agent, request };
}

function directClientFor(endpoint: string): Promise<DirectClient> {
  let client = clients.get(endpoint);
  if (!client) {
    client = createDirectClient(endpoint);
    clients.set(endpoint, client);
    client.catch(() => clients.delete(endpoint));
  }
  return client;
}

/** An error answer as an SDK-shaped error: AWS's type from `x-amzn-ErrorType`, its message. */
function answerError(answer: Answer): ManagementApiResponseError {
  const header = answer.headers['x-amzn-errortype'];
  let type = (Array.isArray(header) ? header[0] : header)?.split(':')[0];
  let message = `HTTP ${answer.status}`;
  try {
    const parsed = JSON.parse(answer.body?.toString('utf8') ?? '') as Record<string, unknown>;
    const text = parsed.message ?? parsed.Message;
    if (typeof text === 'string') message = text;
    if (!type && typeof parsed.__type === 'string') type = parsed.__type.split('#').at(-1);
  } catch {
    // Not JSON (a proxy's HTML page, say): the status says enough.
  }
  const requestId = answer.headers['x-amzn-requestid'];
  return new ManagementApiResponseError(
    answer.status,
    type || 'Unknown',
    message,
    typeof requestId === 'string' ? requestId : undefined,
  );
}

function parseInfo(answer: Answer): ConnectionInfo {
  let wire: {
    connectedAt?: string;
    lastActiveAt?: string;
    identity?: { sourceIp?: string; userAgent?: string };
  };
  try {
    wire = JSON.parse(answer.body?.toString('utf8') ?? '') ?? {};
  } catch (error) {
    throw new UnexpectedAnswerError('GetConnection', 'with a body that is not JSON', { cause: error });
  }
  if (!wire.connectedAt || !wire.lastActiveAt) {
    throw new UnexpectedAnswerError('GetConnection', 'without connectedAt/lastActiveAt');
  }
  return {
    connectedAt: new Date(wire.connectedAt),
    lastActiveAt: new Date(wire.lastActiveAt),
    sourceIp: wire.identity?.sourceIp,
    userAgent: wire.identity?.userAgent,
  };
}

async function createDirectTransport(endpoint: string, retries: RetryMode): Promise<ManagementTransport> {
  const client = await directClientFor(endpoint);
  const retrying = retries === 'sdk' ? withSdkRetries : <T>(attempt: () => Promise<T>) => attempt();
  const call = async (
    method: 'POST' | 'DELETE' | 'GET',
    connectionId: string,
    payload: PreparedPayload | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer> => {
    const answer = await client.request(method, connectionId, payload, signal);
    if (answer.status >= 300) throw answerError(answer);
    return answer;
  };
  return {
    prepare: (bytes) => ({ bytes, sha256: sha256Hex(bytes) }),
    async post(connectionId, payload, signal) {
      await retrying(() => call('POST', connectionId, payload, signal));
    },
    async remove(connectionId) {
      await retrying(() => call('DELETE', connectionId, undefined, undefined));
    },
    async info(connectionId) {
      return parseInfo(await retrying(() => call('GET', connectionId, undefined, undefined)));
    },
    reserve(inFlight) {
      if (client.agent.maxSockets < inFlight) client.agent.maxSockets = inFlight;
    },
  };
}

/**
 * The `'direct'` transport: PostToConnection, DeleteConnection and GetConnection as SigV4-signed
 * requests on one keep-alive agent per endpoint, made on first use and cached for the process.
 */
export function directTransportFor(endpoint: string, retries: RetryMode): Promise<ManagementTransport> {
  const key = `${retries} ${endpoint}`;
  let transport = transports.get(key);
  if (!transport) {
    transport = createDirectTransport(endpoint, retries);
    transports.set(key, transport);
    transport.catch(() => transports.delete(key));
  }
  return transport;
}
