// Renders bench/RESULTS.md from one run's results: targets as same-run ratios first, absolute figures beside them.
// One renderer per section, in the order the page reads; each returns its lines.
import { renderJava } from './report-java.ts';
import { renderHeadline, renderScaling } from './report-load.ts';
import { renderMesh } from './report-mesh.ts';
import { renderMeshContainer } from './report-mesh-container.ts';
import { renderOverload } from './report-overload.ts';
import { renderMemory, renderReuse, renderStart } from './report-services.ts';
import { renderTargets } from './report-targets.ts';
import type { Results } from './results.ts';

export { throughputRatio } from './report-table.ts';

function renderIntro(results: Results): string[] {
  const { meta } = results;
  const p = meta.profile;
  return [
    '# Benchmark results',
    '',
    `Written by \`pnpm bench${p.name === 'quick' ? ' --quick' : ''}\` on ${meta.date.slice(0, 16).replace('T', ' ')} UTC: ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}, ` +
      `load average ${meta.loadBefore.map((l) => l.toFixed(1)).join(' ')} before and ${meta.loadAfter.map((l) => l.toFixed(1)).join(' ')} after, ${meta.elapsedSeconds} s in all. ` +
      'How it is measured, and what limits each missed target: [README](README.md#notes-on-the-committed-run).',
    '',
    `Every headline figure is a ratio to a reference measured in the same run: each of ${p.rounds} round(s) measures every configuration ` +
      `once (${p.warmupSeconds} s warm-up, then ${p.durationSeconds} s at ${p.connections} connections), the ratio is taken within each round, ` +
      'and the table shows the median of those ratios. Absolute figures are medians too; on this shared machine they move from run to run, the ratios much less.',
    '',
    `Telemetry: ${meta.telemetry}. Jaeger: ${meta.jaeger}.`,
    '',
  ];
}

export function renderMarkdown(results: Results): string {
  return [
    ...renderIntro(results),
    ...renderTargets(results),
    ...renderHeadline(results),
    ...renderScaling(results),
    ...renderStart(results),
    ...renderMemory(results),
    ...renderReuse(results),
    ...renderOverload(results),
    ...renderJava(results),
    renderMesh(results),
    ...renderMeshContainer(results),
  ].join('\n');
}
