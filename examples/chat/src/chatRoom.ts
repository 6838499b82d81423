import type { ConnectionStore } from 'aws-framework';
import { memberOf } from './chatRules.js';

/**
 * Who is in `room`: each member's name once, sorted. One read per member, which suits a chat room;
 * a room of thousands would keep its names in an item of its own.
 */
export async function namesIn(store: ConnectionStore, room: string): Promise<string[]> {
  const names = new Set<string>();
  for await (const connectionId of store.members(room)) {
    const member = memberOf((await store.get(connectionId))?.data);
    if (member) names.add(member.name);
  }
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** The members of `room` but `connectionId`: who to tell that `connectionId` joined. */
export async function* othersIn(
  store: ConnectionStore,
  room: string,
  connectionId: string,
): AsyncIterable<string> {
  for await (const member of store.members(room)) if (member !== connectionId) yield member;
}

/** What a sender the store no longer knows (its connection was pruned or expired) is answered. */
export function goneSender(): Error & { statusCode: number } {
  return Object.assign(new Error('this connection is no longer registered: reconnect'), { statusCode: 410 });
}
