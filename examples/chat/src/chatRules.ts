/**
 * The chat's input rules, shared by the functional and the class version so both answer alike.
 * Everything a client sends is checked here before it reaches the store or another client.
 */

export const DEFAULT_ROOM = 'lobby';
export const MAX_NAME_LENGTH = 32;
export const MAX_ROOM_LENGTH = 32;
export const MAX_MESSAGE_LENGTH = 1_000;

export const USAGE = 'Send {"action":"sendMessage","payload":{"text":"..."}} to talk to your room';

const ROOM_PATTERN = /^[A-Za-z0-9 _-]+$/;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export interface Member {
  name: string;
  room: string;
}

/**
 * The name people see: what the sign-in put in the token (the authorizer's context `name`), never
 * a name a client claims in the query string or a message.
 */
export function checkName(name: unknown): Checked<string> {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed === '') return { ok: false, message: 'name is required: a non-empty string' };
  if (trimmed.length > MAX_NAME_LENGTH) {
    return { ok: false, message: `name must be at most ${MAX_NAME_LENGTH} characters` };
  }
  return { ok: true, value: trimmed };
}

/**
 * The member a `$connect` makes: the signed-in `name` (from the authorizer) and the `room` from the
 * query string, `lobby` when absent or blank.
 */
export function checkMember(name: unknown, room: string | null | undefined): Checked<Member> {
  const checkedName = checkName(name);
  if (!checkedName.ok) return checkedName;
  const checkedRoom = (room ?? '').trim() || DEFAULT_ROOM;
  if (checkedRoom.length > MAX_ROOM_LENGTH || !ROOM_PATTERN.test(checkedRoom)) {
    return {
      ok: false,
      message: `room must be 1 to ${MAX_ROOM_LENGTH} letters, digits, spaces, _ or -`,
    };
  }
  return { ok: true, value: { name: checkedName.value, room: checkedRoom } };
}

/** The member a stored connection's data describes, if it is one. */
export function memberOf(data: Record<string, unknown> | undefined): Member | undefined {
  const name = data?.name;
  const room = data?.room;
  return typeof name === 'string' && typeof room === 'string' ? { name, room } : undefined;
}
