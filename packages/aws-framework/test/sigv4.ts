import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Checks a request's SigV4 signature the way a server would: parses its Authorization header,
 * re-signs the same method, path and signed headers with the given credentials at the request's
 * own x-amz-date, and compares. Also checks that x-amz-content-sha256, when signed, is the hash of
 * the body that arrived (a hash computed once per broadcast must match every request's body).
 */

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface AuthorizationParts {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** The parts of a well-formed SigV4 Authorization header; throws on any other shape. */
export function parseAuthorization(header: unknown): AuthorizationParts {
  const match = typeof header === 'string' ? AUTHORIZATION.exec(header) : null;
  if (!match) throw new Error(`not a SigV4 Authorization header: ${String(header)}`);
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId!,
    date: date!,
    region: region!,
    service: service!,
    signedHeaders: signedHeaders!.split(';'),
    signature: signature!,
  };
}

// A hash for the verifier of its own, on node:crypto, independent of the one the transport uses.
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData): string | Buffer =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? Buffer.from(data)
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

class VerifierSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData) {
    this.hash.update(bytesOf(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

function parseAmzDate(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw new Error(`not an x-amz-date: ${value}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

/** Resolves when the signature is the one these credentials make for this request; throws otherwise. */
export async function verifySignature(request: ReceivedRequest, credentials: TestCredentials): Promise<void> {
  const auth = parseAuthorization(request.headers.authorization);
  if (auth.accessKeyId !== credentials.accessKeyId) {
    throw new Error(`signed by ${auth.accessKeyId}, expected ${credentials.accessKeyId}`);
  }
  for (const required of ['host', 'x-amz-date']) {
    if (!auth.signedHeaders.includes(required)) throw new Error(`${required} is not signed`);
  }
  const amzDate = String(request.headers['x-amz-date']);
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const claimed = request.headers['x-amz-content-sha256'];
  if (claimed !== bodyHash) {
    throw new Error(`x-amz-content-sha256 ${String(claimed)} is not the body's hash ${bodyHash}`);
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    if (name === 'x-amz-date') continue;
    const value = request.headers[name];
    if (value === undefined) throw new Error(`signed header ${name} did not arrive`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials,
    sha256: VerifierSha256,
    applyChecksum: false,
  });
  const [path, query = ''] = request.url.split('?');
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: String(request.headers.host).replace(/:\d+$/, ''),
      path: path!,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers,
    },
    { signingDate: parseAmzDate(amzDate), signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = parseAuthorization(resigned.headers.authorization);
  if (expected.signedHeaders.join(';') !== auth.signedHeaders.join(';')) {
    throw new Error(
      `re-signed headers ${expected.signedHeaders.join(';')} differ from ${auth.signedHeaders.join(';')}`,
    );
  }
  if (expected.signature !== auth.signature) {
    throw new Error(`signature ${auth.signature} does not verify (expected ${expected.signature})`);
  }
}
