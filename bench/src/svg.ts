// Renders the scaling plot (throughput and latency against concurrency) as a self-contained SVG, no dependencies.
import type { LoadResult } from './load.ts';
import type { Results } from './results.ts';
import { medianRun } from './stats.ts';

const COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a'];
const PANEL = { width: 420, height: 300, left: 64, right: 24, top: 40, bottom: 48 };

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at or above max. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max)!;
}

interface Line {
  readonly label: string;
  readonly color: string;
  readonly dash?: string;
  readonly points: readonly (readonly [number, number])[];
}

function panel(x0: number, title: string, yLabel: string, xs: readonly number[], lines: readonly Line[]): string {
  const { width, height, left, right, top, bottom } = PANEL;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const logMin = Math.log2(Math.min(...xs));
  const logSpan = Math.max(1, Math.log2(Math.max(...xs)) - logMin);
  const yMax = niceMax(Math.max(0, ...lines.flatMap((l) => l.points.map(([, y]) => y))));
  const px = (x: number) => x0 + left + ((Math.log2(x) - logMin) / logSpan) * plotW;
  const py = (y: number) => top + plotH - (y / yMax) * plotH;
  const parts: string[] = [];
  parts.push(`<text x="${x0 + width / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    parts.push(`<line x1="${x0 + left}" x2="${x0 + width - right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${x0 + left - 6}" y="${py(y) + 4}" text-anchor="end">${Math.round(y)}</text>`);
  }
  for (const x of xs) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${top}" y2="${top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${px(x)}" y="${top + plotH + 16}" text-anchor="middle">${x}</text>`);
  }
  parts.push(`<rect x="${x0 + left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${x0 + left + plotW / 2}" y="${height - 12}" text-anchor="middle">concurrent connections (log scale)</text>`);
  parts.push(`<text transform="translate(${x0 + 14} ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  for (const line of lines) {
    const d = line.points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    parts.push(
      `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="2"${line.dash ? ` stroke-dasharray="${line.dash}"` : ''}/>`,
    );
    for (const [x, y] of line.points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${line.color}"/>`);
  }
  return parts.join('\n');
}

export function renderScalingSvg(results: Results): string {
  const xs = results.meta.profile.scaling;
  const series = results.scaling.map((s, i) => ({ ...s, color: COLORS[i % COLORS.length]! }));
  const at = (runs: readonly LoadResult[][], pick: (r: ReturnType<typeof medianRun>) => number) =>
    runs.map((point, i) => [xs[i]!, pick(medianRun(point))] as const);
  const throughput: Line[] = series.map((s) => ({ label: s.label, color: s.color, points: at(s.runs, (r) => r.rps) }));
  const latency: Line[] = series.flatMap((s) => [
    { label: `${s.label} p50`, color: s.color, points: at(s.runs, (r) => r.p50) },
    { label: `${s.label} p99`, color: s.color, dash: '5 4', points: at(s.runs, (r) => r.p99) },
  ]);
  const width = PANEL.width * 2;
  const legendTop = PANEL.height + 8;
  const legend = series.map((s, i) => {
    const y = legendTop + 16 * i + 10;
    return `<line x1="70" x2="100" y1="${y - 4}" y2="${y - 4}" stroke="${s.color}" stroke-width="2"/><text x="108" y="${y}">${esc(s.label)}</text>`;
  });
  const noteY = legendTop + 16 * series.length + 14;
  const height = noteY + 10;
  const note = `latency: solid p50, dashed p99 · ${results.meta.profile.name} run ${results.meta.date.slice(0, 16).replace('T', ' ')} UTC, ${results.meta.cpus} CPUs, median of ${results.meta.profile.scalingRounds} × ${results.meta.profile.scalingSeconds} s per point`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${panel(0, 'Throughput (2xx per second)', 'requests / s', xs, throughput)}
${panel(PANEL.width, 'Latency', 'ms', xs, latency)}
${legend.join('\n')}
<text x="70" y="${noteY}" fill="#555">${esc(note)}</text>
</svg>
`;
}
