import type { ConnectionStore } from 'aws-framework';
// From the source until the main entry point exports it (the DynamoDB subpath already does).
import { ConnectionNotSavedError } from 'aws-framework';
import { beforeEach, describe, expect, it } from 'vitest';

export async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const items: string[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/**
 * What every `ConnectionStore` does, whatever keeps it. `makeStore` gives a store with nothing in it
 * for each test.
 */
export function describeConnectionStoreContract(
  name: string,
  makeStore: () => ConnectionStore | Promise<ConnectionStore>,
): void {
  describe(`${name} (ConnectionStore contract)`, () => {
    let store: ConnectionStore;
    const connectedAt = 1_700_000_000_123;

    beforeEach(async () => {
      store = await makeStore();
    });

    it('gives back a saved connection with its data', async () => {
      await store.save({ connectionId: 'a=', connectedAt, data: { name: 'Ada', tags: ['x'], n: 1 } });
      expect(await store.get('a=')).toEqual({
        connectionId: 'a=',
        connectedAt,
        data: { name: 'Ada', tags: ['x'], n: 1 },
      });
    });

    it('gives back a connection saved without data, and undefined for an unknown one', async () => {
      await store.save({ connectionId: 'plain', connectedAt });
      expect(await store.get('plain')).toEqual({ connectionId: 'plain', connectedAt });
      expect(await store.get('nobody')).toBeUndefined();
    });

    it('replaces a connection saved again under the same ID', async () => {
      await store.save({ connectionId: 'a', connectedAt, data: { name: 'Ada' } });
      await store.save({ connectionId: 'a', connectedAt: connectedAt + 1, data: { name: 'Grace' } });
      expect(await store.get('a')).toEqual({
        connectionId: 'a',
        connectedAt: connectedAt + 1,
        data: { name: 'Grace' },
      });
      expect(await collect(store.list())).toEqual(['a']);
    });

    it('removes a connection together with its group memberships', async () => {
      await store.save({ connectionId: 'a', connectedAt });
      await store.save({ connectionId: 'b', connectedAt });
      await store.join('room', 'a');
      await store.join('room', 'b');
      await store.join('other', 'a');
      await store.remove('a');
      expect(await store.get('a')).toBeUndefined();
      expect(await collect(store.members('room'))).toEqual(['b']);
      expect(await collect(store.members('other'))).toEqual([]);
      expect(await collect(store.list())).toEqual(['b']);
    });

    it('takes the removal of an unknown connection as done', async () => {
      await expect(store.remove('never-saved')).resolves.toBeUndefined();
      await expect(store.removeMany(['never-saved', 'nor-this'])).resolves.toBeUndefined();
    });

    it('removes many connections and their memberships at once, keeping the others', async () => {
      const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
      for (const id of ids) await store.save({ connectionId: id, connectedAt });
      for (const id of ids) await store.join(Number(id.slice(1)) % 2 ? 'odd' : 'even', id);
      const gone = ids.filter((_, i) => i % 4 !== 0);
      // An ID twice, and one never saved: neither is an error.
      await store.removeMany([...gone, gone[0]!, 'unknown']);
      const kept = ids.filter((_, i) => i % 4 === 0);
      expect((await collect(store.list())).sort()).toEqual([...kept].sort());
      expect((await collect(store.members('even'))).sort()).toEqual([...kept].sort());
      expect(await collect(store.members('odd'))).toEqual([]);
    });

    it('lists every saved connection ID exactly once', async () => {
      const ids = Array.from({ length: 35 }, (_, i) => `conn-${i}`);
      await Promise.all(ids.map((connectionId) => store.save({ connectionId, connectedAt })));
      await store.join('room', 'conn-0');
      expect((await collect(store.list())).sort()).toEqual([...ids].sort());
    });

    it('lists nothing when empty', async () => {
      expect(await collect(store.list())).toEqual([]);
      expect(await collect(store.members('room'))).toEqual([]);
    });

    it('adds to and removes from groups with join and leave', async () => {
      await store.save({ connectionId: 'a', connectedAt });
      await store.save({ connectionId: 'b', connectedAt });
      await store.join('room', 'a');
      await store.join('room', 'b');
      await store.join('room', 'a');
      expect((await collect(store.members('room'))).sort()).toEqual(['a', 'b']);
      await store.leave('room', 'a');
      expect(await collect(store.members('room'))).toEqual(['b']);
      await expect(store.leave('room', 'a')).resolves.toBeUndefined();
      await expect(store.leave('nowhere', 'b')).resolves.toBeUndefined();
      // Leaving a group keeps the connection.
      expect(await store.get('a')).toBeDefined();
    });

    it("never includes another group's members in a group", async () => {
      await store.save({ connectionId: 'a', connectedAt });
      await store.save({ connectionId: 'b', connectedAt });
      await store.save({ connectionId: 'c', connectedAt });
      await store.join('room', 'a');
      await store.join('room2', 'b');
      await store.join('roo', 'c');
      expect(await collect(store.members('room'))).toEqual(['a']);
      expect(await collect(store.members('room2'))).toEqual(['b']);
      expect(await collect(store.members('roo'))).toEqual(['c']);
    });

    it('rejects joining a group with a connection that is not saved, with a ConnectionNotSavedError', async () => {
      const error = await store.join('room', 'ghost').catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ConnectionNotSavedError);
      expect(error).toMatchObject({
        name: 'ConnectionNotSavedError',
        connectionId: 'ghost',
        group: 'room',
        message: 'join("room"): connection ghost is not saved',
      });
      await store.save({ connectionId: 'gone', connectedAt });
      await store.remove('gone');
      await expect(store.join('room', 'gone')).rejects.toThrow(ConnectionNotSavedError);
      expect(await collect(store.members('room'))).toEqual([]);
    });

    it('throws TypeError for an empty connection ID or group', async () => {
      await expect(store.save({ connectionId: '', connectedAt })).rejects.toThrow(TypeError);
      await expect(store.save({ connectionId: 'a', connectedAt: Number.NaN })).rejects.toThrow(TypeError);
      await expect(store.get('')).rejects.toThrow(TypeError);
      await expect(store.remove('')).rejects.toThrow(TypeError);
      await expect(store.removeMany(['ok', ''])).rejects.toThrow(TypeError);
      await expect(store.join('', 'a')).rejects.toThrow(TypeError);
      await expect(store.join('room', '')).rejects.toThrow(TypeError);
      await expect(store.leave('', 'a')).rejects.toThrow(TypeError);
      await expect(collect(store.members(''))).rejects.toThrow(TypeError);
    });

    it('lets a listing remove connections as it goes (pruning during a broadcast)', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `p${i}`);
      for (const id of ids) await store.save({ connectionId: id, connectedAt });
      for (const id of ids) await store.join('room', id);
      const seen: string[] = [];
      for await (const id of store.members('room')) {
        seen.push(id);
        await store.remove(id);
      }
      expect(seen.sort()).toEqual([...ids].sort());
      expect(await collect(store.list())).toEqual([]);
    });
  });
}
