#!/usr/bin/env node
import { nodeVersionProblem } from './nodeVersion.js';

const problem = nodeVersionProblem(process.version);
if (problem) {
  console.error(problem);
  process.exitCode = 1;
} else {
  // Imported only now: an older Node.js must reach the check above before it parses dist/.
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(process.argv.slice(2));
}
