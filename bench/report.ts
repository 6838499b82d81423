/**
 * Renders suite results: the console tables, BENCHMARKS.md and the SVG chart of every ratio. Each
 * suite's section in BENCHMARKS.md carries its results as JSON in an HTML comment, so that a run of
 * one suite (`--only`) rewrites its section and keeps the others as they were measured.
 */
import type { Comparison, Measurement, SuiteResult, Target } from './types.js';

/** Where and how a suite ran. */
export interface RunInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  mode: 'quick' | 'full';
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverage: [number, number, number];
}

/** One suite's section: its result and the run that produced it. */
export interface Section {
  run: RunInfo;
  result: SuiteResult;
}

const DATA_MARK = 'bench-data';

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1_000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

function formatActual(t: Target): string {
  return t.unit === 'x' ? formatRatio(t.actual) : `${formatNumber(t.actual)} ${t.unit}`;
}

function formatLimit(t: Target): string {
  const sign = t.kind === 'max' ? '≤' : '≥';
  return t.unit === 'x' ? `${sign} ${t.limit}x` : `${sign} ${formatNumber(t.limit)} ${t.unit}`;
}

function mark(met: boolean): string {
  return met ? '✓' : '✗';
}

/** The extra columns of a suite's measurements, in the order they first appear. */
function extraColumns(measurements: Measurement[]): string[] {
  const columns: string[] = [];
  for (const m of measurements) {
    for (const key of Object.keys(m.extra ?? {})) if (!columns.includes(key)) columns.push(key);
  }
  return columns;
}

function cell(value: number | string | undefined): string {
  if (value === undefined) return '';
  return (typeof value === 'number' ? formatNumber(value) : value).replaceAll('|', '\\|');
}

// ---------------------------------------------------------------------------------------------
// Console

export function printSuite(result: SuiteResult): void {
  console.log(`\n## ${result.title} (${result.id})`);
  const columns = extraColumns(result.measurements);
  console.table(
    result.measurements.map((m) => {
      const row: Record<string, string> = { figure: m.label, value: `${formatNumber(m.value)} ${m.unit}` };
      for (const column of columns) row[column] = cell(m.extra?.[column]);
      return row;
    }),
  );
  if (result.comparisons.length > 0) {
    console.table(
      result.comparisons.map((c) => ({
        figure: c.label,
        baseline: c.baseline,
        ratio: formatRatio(c.ratio),
        note: c.note ?? '',
      })),
    );
  }
  if (result.targets.length > 0) {
    console.table(
      result.targets.map((t) => ({
        target: t.description,
        actual: formatActual(t),
        limit: formatLimit(t),
        met: mark(t.met),
      })),
    );
  }
  for (const note of result.notes) console.log(`note: ${note}`);
}

// ---------------------------------------------------------------------------------------------
// BENCHMARKS.md

function describeRun(run: RunInfo): string {
  const load = run.loadAverage.map((l) => l.toFixed(2)).join(', ');
  return (
    `${run.date}, ${run.mode} run, Node ${run.node}, ${run.cpu} (${run.cores} cores), ` +
    `${run.memoryGiB.toFixed(1)} GiB, ${run.os}, load average at start ${load}`
  );
}

function renderSection({ run, result }: Section): string {
  const lines: string[] = [
    `## ${result.title}`,
    '',
    `Suite \`${result.id}\`: ${describeRun(run)}.`,
    '',
    result.method,
    '',
  ];

  const columns = extraColumns(result.measurements);
  lines.push('### Measurements', '');
  lines.push(`| Figure | Value |${columns.map((c) => ` ${cell(c)} |`).join('')}`);
  lines.push(`| --- | ---: |${columns.map(() => ' ---: |').join('')}`);
  for (const m of result.measurements) {
    const extras = columns.map((c) => ` ${cell(m.extra?.[c])} |`).join('');
    lines.push(`| ${cell(m.label)} | ${formatNumber(m.value)} ${m.unit} |${extras}`);
  }
  lines.push('');

  if (result.comparisons.length > 0) {
    lines.push('### Ratios to the baseline of the same run', '');
    lines.push('| Figure | Baseline | Ratio | Note |', '| --- | --- | ---: | --- |');
    for (const c of result.comparisons) {
      lines.push(`| ${cell(c.label)} | ${cell(c.baseline)} | ${formatRatio(c.ratio)} | ${cell(c.note)} |`);
    }
    lines.push('');
  }

  if (result.targets.length > 0) {
    lines.push('### Targets', '');
    lines.push('| Target | Actual | Limit | Met |', '| --- | ---: | ---: | :---: |');
    for (const t of result.targets) {
      lines.push(`| ${cell(t.description)} | ${formatActual(t)} | ${formatLimit(t)} | ${mark(t.met)} |`);
    }
    lines.push('');
  }

  if (result.notes.length > 0) {
    lines.push('### Notes', '');
    for (const note of result.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  // The data this section was rendered from, for the next run of another suite to keep it.
  lines.push(
    `<!-- ${DATA_MARK} ${JSON.stringify({ run, result }).replaceAll('--', '\\u002d\\u002d')} -->`,
    '',
  );
  return lines.join('\n');
}

export function renderMarkdown(sections: Section[], svgPath: string): string {
  const runs = [...new Set(sections.map((s) => describeRun(s.run)))];
  const met = sections.flatMap((s) => s.result.targets).filter((t) => t.met).length;
  const targets = sections.flatMap((s) => s.result.targets).length;
  const lines = [
    '<!-- Generated by `pnpm bench` (bench/run.ts); edit the suites, not this file. -->',
    '',
    '# Benchmarks',
    '',
    'Every figure is compared with a baseline measured in the same run, on the same machine; the ratios',
    'are what to read, the absolute times only tell the scale. Targets are those of the issue that',
    `asked for these benchmarks: ${met} of ${targets} met.`,
    '',
    runs.length === 1 ? `Run: ${runs[0]}.` : 'Runs (each section says which one it comes from):',
    ...(runs.length === 1 ? [] : runs.map((r) => `- ${r}`)),
    '',
    `![Every ratio against its baseline, with the targets' limits](${svgPath})`,
    '',
    `Sections: ${sections.map((s) => `[${s.result.title}](#${anchor(s.result.title)})`).join(', ')}.`,
    '',
    'Reproduce with `pnpm bench` (all suites, rewrites this file and the chart), `pnpm bench --only <suite>`',
    '(one suite; the other sections are kept) or `pnpm bench --quick` (every suite, briefly; prints only).',
    '',
  ];
  return [...lines, ...sections.map(renderSection)].join('\n');
}

function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replaceAll(' ', '-');
}

/** The sections a previous BENCHMARKS.md holds, by suite id. */
export function parseSections(markdown: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  const pattern = new RegExp(`<!-- ${DATA_MARK} (.*?) -->`, 'g');
  for (const match of markdown.matchAll(pattern)) {
    try {
      const section = JSON.parse(match[1] as string) as Section;
      sections.set(section.result.id, section);
    } catch {
      // A section whose data does not parse is measured again or dropped, never guessed.
    }
  }
  return sections;
}

// ---------------------------------------------------------------------------------------------
// SVG chart

interface Bar {
  suite: string;
  label: string;
  ratio: number;
  limit?: { value: number; kind: 'max' | 'min'; met: boolean };
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** Every comparison, with the limit of the ratio target judged on the same figure. */
function barsOf(sections: Section[]): Bar[] {
  const bars: Bar[] = [];
  for (const { result } of sections) {
    const ratioTargets = result.targets.filter((t) => t.unit === 'x');
    const used = new Set<Target>();
    const limitOf = (c: Comparison) => {
      const t = ratioTargets.find((candidate) => !used.has(candidate) && candidate.actual === c.ratio);
      if (!t) return undefined;
      used.add(t);
      return { value: t.limit, kind: t.kind, met: t.met };
    };
    for (const c of result.comparisons) {
      const limit = limitOf(c);
      bars.push({
        suite: result.title,
        label: `${c.label} / ${c.baseline}`,
        ratio: c.ratio,
        ...(limit ? { limit } : {}),
      });
    }
    for (const t of ratioTargets) {
      if (used.has(t)) continue;
      bars.push({
        suite: result.title,
        label: t.description,
        ratio: t.actual,
        limit: { value: t.limit, kind: t.kind, met: t.met },
      });
    }
  }
  return bars;
}

export function renderSvg(sections: Section[]): string {
  const bars = barsOf(sections);
  const width = 1160;
  const labelWidth = 600;
  const plotLeft = labelWidth + 10;
  const plotWidth = width - plotLeft - 60;
  const rowHeight = 20;
  const headingHeight = 26;
  const top = 56;

  // A log2 scale: ratios from 0.1x to 50x share one chart, and 2x faster reads as far from 1 as 2x slower.
  const values = bars.flatMap((b) => [b.ratio, b.limit?.value ?? 1]).filter((v) => v > 0);
  // One power of two beyond the smallest ratio leaves room for its figure, written left of its bar.
  const low = 2 ** (Math.floor(Math.log2(Math.min(0.5, ...values))) - 1);
  const high = 2 ** Math.ceil(Math.log2(Math.max(2, ...values)));
  const x = (ratio: number) =>
    plotLeft +
    ((Math.log2(Math.max(ratio, low)) - Math.log2(low)) / (Math.log2(high) - Math.log2(low))) * plotWidth;

  const body: string[] = [];
  let y = top;
  let currentSuite = '';
  for (const bar of bars) {
    if (bar.suite !== currentSuite) {
      currentSuite = bar.suite;
      y += 6;
      body.push(`<text x="8" y="${y + 16}" class="suite">${escapeXml(bar.suite)}</text>`);
      y += headingHeight;
    }
    const barClass = bar.limit ? (bar.limit.met ? 'met' : 'missed') : 'bar';
    const x0 = x(1);
    const x1 = x(bar.ratio);
    const left = Math.min(x0, x1);
    const tooltip = bar.limit
      ? `${bar.label}: ${bar.ratio.toFixed(2)}x, target ${bar.limit.kind === 'max' ? '≤' : '≥'} ${bar.limit.value}x`
      : `${bar.label}: ${bar.ratio.toFixed(2)}x`;
    const label = bar.label.length > 100 ? `${bar.label.slice(0, 99)}…` : bar.label;
    // The figure sits beyond the bar's free end, away from the 1x line and the limit's tick.
    const valueAt =
      bar.ratio < 1 ? `x="${(left - 4).toFixed(1)}" text-anchor="end"` : `x="${(x1 + 4).toFixed(1)}"`;
    body.push(
      '<g>',
      `<title>${escapeXml(tooltip)}</title>`,
      `<text x="${labelWidth}" y="${y + 14}" class="label" text-anchor="end">${escapeXml(label)}</text>`,
      `<rect x="${left.toFixed(1)}" y="${y + 4}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${rowHeight - 8}" class="${barClass}"/>`,
      `<text ${valueAt} y="${y + 14}" class="value">${bar.ratio.toFixed(2)}x</text>`,
    );
    if (bar.limit) {
      const lx = x(bar.limit.value).toFixed(1);
      body.push(`<line x1="${lx}" y1="${y + 1}" x2="${lx}" y2="${y + rowHeight - 1}" class="limit"/>`);
    }
    body.push('</g>');
    y += rowHeight;
  }
  const height = y + 40;

  const ticks: string[] = [];
  for (let t = low; t <= high; t *= 2) {
    const tx = x(t).toFixed(1);
    const text = t >= 0.1 ? `${Number(t.toPrecision(3))}x` : `1/${Math.round(1 / t)}x`;
    ticks.push(
      `<line x1="${tx}" y1="${top}" x2="${tx}" y2="${y}" class="grid"/>`,
      `<text x="${tx}" y="${y + 16}" class="tick" text-anchor="middle">${text}</text>`,
    );
  }
  const one = x(1).toFixed(1);

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    '<title>Benchmark ratios to the baseline measured in the same run</title>',
    '<style>',
    '  .title { font-size: 16px; font-weight: 600; fill: #111; }',
    '  .subtitle, .tick { fill: #555; }',
    '  .suite { font-size: 13px; font-weight: 600; fill: #111; }',
    '  .label { fill: #222; }',
    '  .value { fill: #333; font-size: 11px; }',
    '  .bar { fill: #8aa4c8; }',
    '  .met { fill: #4c9a5b; }',
    '  .missed { fill: #c8553d; }',
    '  .grid { stroke: #e4e4e4; }',
    '  .one { stroke: #222; stroke-dasharray: 4 3; }',
    '  .limit { stroke: #111; stroke-width: 3; }',
    '</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    '<text x="8" y="22" class="title">Ratios to the baseline measured in the same run (log scale)</text>',
    `<text x="8" y="42" class="subtitle">Each bar: a figure divided by its baseline; below 1x is faster or smaller. Blue: no target; green: a target met, red: missed, the black tick marking its limit.${sections.some((s) => s.run.mode === 'quick') ? ' Includes quick-run figures.' : ''}</text>`,
    ...ticks,
    `<line x1="${one}" y1="${top}" x2="${one}" y2="${y}" class="one"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
