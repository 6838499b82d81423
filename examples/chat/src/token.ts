import { parseArgs } from 'node:util';
import { checkName } from './chatRules.js';
import { issueChatToken } from './issueChatToken.js';

/**
 * `pnpm token NAME`: prints a development token for NAME, signed with TOKEN_SECRET (the secret a
 * deployed stack's authorizer was given), to connect with: `wscat -c "$URL?room=lobby&token=$(...)"`.
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'ttl-seconds': { type: 'string' } },
});
const name = positionals[0];
const secret = process.env.TOKEN_SECRET;
if (!name || !secret) {
  console.error('usage: TOKEN_SECRET=... pnpm token NAME [--ttl-seconds N]');
  process.exit(2);
}
const checked = checkName(name);
if (!checked.ok) {
  console.error(checked.message);
  process.exit(2);
}
const ttl = values['ttl-seconds'];
console.log(issueChatToken({ name: checked.value, secret, ...(ttl ? { ttlSeconds: Number(ttl) } : {}) }));
