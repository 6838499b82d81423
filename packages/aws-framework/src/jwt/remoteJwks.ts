import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

// One key set per URL for the whole process: a Lambda instance fetches its issuer's keys on the
// first token, then again once they are older than jose's 10-minute cache age, or when a token names
// a key it has not seen (a rotation), at most once per jose's 30 s cooldown, so a flood of tokens
// with made-up `kid`s cannot turn into a flood of fetches.
const keySets = new Map<string, JWTVerifyGetKey>();

/** The process-wide, lazily fetched key set at `url`, shared by every authorizer that names it. */
export function remoteJwks(url: string): JWTVerifyGetKey {
  let keySet = keySets.get(url);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(url));
    keySets.set(url, keySet);
  }
  return keySet;
}
