import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Most tests import the TypeScript sources through vitest's alias, but some start child
// processes that import `aws-framework` as users do, through its exports map into dist/. Building
// once here, before any test file runs, keeps those files from racing each other to build it.
export default function buildPackages(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(process.execPath, [tsc, '-p', 'packages/aws-framework/tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
