/** Keep in step with "engines" in package.json (a test checks it). */
export declare const REQUIRED_NODE_MAJOR: number;
/** Why this Node.js cannot run the CLI, or undefined when it can. */
export declare function nodeVersionProblem(version: string, required?: number): string | undefined;
