import { type FSWatcher, watch } from 'node:fs';
import { sep } from 'node:path';

/** Editors save in bursts (write, rename, chmod); one reload per burst is enough. */
const DEBOUNCE_MS = 100;

function ignored(filename: string): boolean {
  return filename.split(sep).some((segment) => segment === 'node_modules' || segment.startsWith('.'));
}

/**
 * Calls `onChange` once per burst of changes to files under `dir`, leaving out node_modules and
 * dotfiles (editor swap files, .git). On Linux Node walks `dir` at start to watch each folder, and
 * node_modules with it: `fs.watch`'s `ignore` option (nodejs/node#61433) is newer than Node 22.
 */
export function watchFolder(dir: string, onChange: () => void): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dir, { recursive: true }, function watchFolderEvent(_event, filename) {
    if (filename !== null && ignored(filename)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, DEBOUNCE_MS);
  });
  // A folder removed from under the watcher is no reason to stop the gateway.
  watcher.on('error', () => {});
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
