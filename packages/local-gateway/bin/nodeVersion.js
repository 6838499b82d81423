// Plain JavaScript of 2015 and no imports, read before dist/ is: a Node.js too old for the toolkit
// may not parse what TypeScript emits for ES2023, and then it could not say why it stopped.

/** Keep in step with "engines" in package.json (a test checks it). */
export const REQUIRED_NODE_MAJOR = 22;

/**
 * Why this Node.js cannot run the CLI, or undefined when it can. A version string that is not
 * `v<major>.…` passes: better to try than to refuse a runtime that reports itself differently.
 */
export function nodeVersionProblem(version, required = REQUIRED_NODE_MAJOR) {
  const match = /^v?(\d+)\./.exec(String(version));
  if (!match || Number(match[1]) >= required) return undefined;
  return `aws-framework-local needs Node.js >= ${required}; found ${version}`;
}
