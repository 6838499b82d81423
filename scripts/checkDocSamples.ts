// Type-checks the TypeScript samples of README.md, docs/*.md and the TSDoc comments (`@example`
// blocks) of packages/*/src (issue #13).
//
// Every ```ts / ```typescript block becomes a module under .doc-samples/ (gitignored), compiled with
// `tsc --noEmit --strict` against the built packages (run `pnpm build` first): the tsconfig's `paths`
// map `aws-framework`, `aws-framework/*`, `aws-framework-local` and `aws-framework-cdk` to their dist
// .d.ts files. A failure is reported as `doc.md:line: message`, the line being the doc's own.
//
// A block preceded by `<!-- doc-sample: skip -->` (blank lines allowed between) is not checked: keep
// that for snippets that are intentionally partial. Anything else a fragment needs (imports, a
// `declare const store: MemoryConnectionStore;`) goes visibly inside the sample. A block preceded by
// `<!-- doc-sample: file NAME.ts -->` is written as NAME.ts, so a later sample of the same doc can
// import it as `./NAME.js` (a contract shared by a server and a client sample).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repository, so the samples resolve zod, the AWS SDK and @types/node from its node_modules.
const outDir = process.env.DOC_SAMPLES_DIR
  ? resolve(process.env.DOC_SAMPLES_DIR)
  : join(root, '.doc-samples');

export interface Sample {
  doc: string;
  /** 1-based line of the doc on which the sample's first code line sits. */
  line: number;
  code: string;
  /** The module name a `doc-sample: file` marker gave it. */
  file?: string;
}

/** The ts/typescript blocks of one Markdown text, and how many were marked skip. */
export function extractSamples(doc: string, text: string): { samples: Sample[]; skipped: number } {
  const lines = text.split('\n');
  const samples: Sample[] = [];
  let skipped = 0;
  let skipNext = false;
  let fileNext: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*<!--\s*doc-sample:\s*skip\s*-->\s*$/.test(line)) {
      skipNext = true;
      continue;
    }
    const file = /^\s*<!--\s*doc-sample:\s*file\s+([\w.-]+\.ts)\s*-->\s*$/.exec(line);
    if (file) {
      fileNext = file[1];
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (!fence) {
      if (line.trim() !== '') {
        skipNext = false;
        fileNext = undefined;
      }
      continue;
    }
    const [, indent = '', marker = '```', lang = ''] = fence;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j] ?? '';
      if (l.trimStart().startsWith(marker) && l.trim().replace(/[`~]/g, '') === '') break;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l);
    }
    if (lang === 'ts' || lang === 'typescript') {
      if (skipNext) skipped++;
      else samples.push({ doc, line: i + 2, code: body.join('\n'), ...(fileNext ? { file: fileNext } : {}) });
    }
    skipNext = false;
    fileNext = undefined;
    i = j;
  }
  return { samples, skipped };
}

/**
 * The TSDoc of a TypeScript source as Markdown with the source's line numbers: comment lines lose
 * their ` * ` margin, every other line is blank, so a sample's error points at the source line.
 */
export function tsDocAsMarkdown(source: string): string {
  let inDoc = false;
  return source
    .split('\n')
    .map((line) => {
      if (!inDoc && /^\s*\/\*\*/.test(line)) inDoc = !/\*\/\s*$/.test(line);
      else if (inDoc) {
        if (/\*\/\s*$/.test(line)) inDoc = false;
        else return line.replace(/^\s*\* ?/, '');
      }
      return '';
    })
    .join('\n');
}

function sourcesIn(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

function docs(): string[] {
  const guides = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join('docs', f));
  const packages = readdirSync(join(root, 'packages')).sort();
  return ['README.md', ...guides, ...packages.flatMap((pkg) => sourcesIn(join('packages', pkg, 'src')))];
}

/** Checks the docs named on the command line (paths from the repository root), or all of them. */
function main(args: string[]): number {
  const all: Sample[] = [];
  let skipped = 0;
  for (const doc of args.length > 0 ? args.map((a) => relative(root, resolve(a))) : docs()) {
    const text = readFileSync(resolve(root, doc), 'utf8');
    const found = extractSamples(doc, doc.endsWith('.ts') ? tsDocAsMarkdown(text) : text);
    all.push(...found.samples);
    skipped += found.skipped;
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const files = new Map<string, Sample>();
  all.forEach((sample, n) => {
    const name =
      sample.file ?? `${String(n).padStart(3, '0')}-${sample.doc.replace(/[^\w]+/g, '_')}-${sample.line}.ts`;
    if (files.has(name)) throw new Error(`${sample.doc}:${sample.line}: a second sample named ${name}`);
    files.set(name, sample);
    // `export {}` keeps each sample its own module, so two samples may declare the same names.
    writeFileSync(join(outDir, name), `${sample.code}\nexport {};\n`);
  });
  const up = relative(outDir, root).split('\\').join('/');
  const fw = `${up}/packages/aws-framework/dist`;
  const cdk = `${up}/packages/aws-framework-cdk/node_modules`;
  const tsconfig = {
    extends: `${up}/tsconfig.base.json`,
    compilerOptions: {
      strict: true,
      noEmit: true,
      declaration: false,
      sourceMap: false,
      noUnusedLocals: false,
      types: ['node'],
      paths: {
        'aws-framework': [`${fw}/index.d.ts`],
        'aws-framework/*': [`${fw}/*/index.d.ts`],
        'aws-framework-local': [`${up}/packages/local-gateway/dist/index.d.ts`],
        'aws-framework-cdk': [`${up}/packages/aws-framework-cdk/dist/index.d.ts`],
        // The CDK samples, with aws-framework-cdk's own copy of the CDK.
        'aws-cdk-lib': [`${cdk}/aws-cdk-lib/index.d.ts`],
        'aws-cdk-lib/*': [`${cdk}/aws-cdk-lib/*/index.d.ts`],
        constructs: [`${cdk}/constructs/lib/index.d.ts`],
      },
    },
    include: ['*.ts'],
  };
  writeFileSync(join(outDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  let output = '';
  let failed = false;
  try {
    execFileSync(
      process.execPath,
      [tsc, '-p', join(outDir, 'tsconfig.json'), '--noEmit', '--strict', '--pretty', 'false'],
      {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (error) {
    failed = true;
    const e = error as { stdout?: string; stderr?: string };
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  let errors = 0;
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^(?:.*[\\/])?([^\\/()]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
    const sample = m ? files.get(m[1] ?? '') : undefined;
    if (m && sample) {
      errors++;
      console.error(`${sample.doc}:${sample.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}`);
    } else {
      console.error(line.startsWith(outDir) ? relative(root, line) : line);
    }
  }
  const summary = `${all.length} doc samples type-checked, ${skipped} skipped`;
  if (failed) {
    console.error(`docs:check: ${errors} error(s) in ${summary}`);
    return 1;
  }
  console.log(`docs:check: ${summary}, no errors`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));
