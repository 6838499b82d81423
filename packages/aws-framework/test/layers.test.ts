import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layer rules of DESIGN.md that a cycle check alone does not see: an import that points up
 * without (yet) closing a cycle. `pnpm check:cycles` catches the cycles.
 */

const src = join(import.meta.dirname, '../src');

function importsUnder(folder: string): { file: string; from: string }[] {
  const found: { file: string; from: string }[] = [];
  for (const entry of readdirSync(join(src, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(/\b(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      found.push({ file: relative(src, path), from: match[1] as string });
    }
  }
  return found;
}

describe('layers', () => {
  it('connections never imports from websocket', () => {
    expect(importsUnder('connections').filter(({ from }) => from.includes('/websocket/'))).toEqual([]);
  });

  it.each(['types', 'options'])('the leaf %s imports nothing of ours outside itself', (folder) => {
    expect(importsUnder(folder).filter(({ from }) => from.startsWith('../'))).toEqual([]);
  });

  it('the client imports nothing of the server', () => {
    const server = ['../websocket/', '../connections/', '../stores/', '../authorizer/', '../classes/'];
    expect(
      importsUnder('client').filter(({ from }) => server.some((layer) => from.startsWith(layer))),
    ).toEqual([]);
  });
});
