// The mesh container's section of RESULTS.md: its image's size and its start, beside the native `mesh up` of the run.
import { isSkipped, type MeshContainerFigures, type Results } from './results.ts';
import { median } from './stats.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const runs = (values: readonly number[]) => `${seconds(median(values))} (${values.map(seconds).join(', ')})`;

function rows(figures: MeshContainerFigures, results: Results): string[] {
  const native = isSkipped(results.mesh) ? undefined : results.mesh;
  const nativeCold = native ? seconds(native.upColdMs[0]!) : 'not measured';
  const nativeWarm = native ? runs(native.upWarmMs) : 'not measured';
  const warm = figures.warm;
  return [
    '| Measure | The mesh container | Native `mesh up` (this run) |',
    '|---|---|---|',
    `| Image (${figures.image}) | ${(figures.imageBytes / 1e6).toFixed(0)} MB uncompressed, ${(figures.compressedBytes / 1e6).toFixed(0)} MB gzipped, ${figures.layers} layers | – (the host's own tools) |`,
    `| Cold: the first 200 at the edge (page cache dropped first) | ${seconds(figures.cold.firstOkMs)} | ${nativeCold} |`,
    `| Cold: \`up --wait\` returned (the step live) | ${seconds(figures.cold.waitMs)} | – |`,
    `| Warm: the first 200 at the edge (median, runs) | ${warm.length ? runs(warm.map((s) => s.firstOkMs)) : 'not measured'} | ${nativeWarm} |`,
    `| Warm: \`up --wait\` returned (median, runs) | ${warm.length ? runs(warm.map((s) => s.waitMs)) : 'not measured'} | – |`,
    `| \`down\` (the mesh's own, then the container and network removed; median, runs) | ${runs([figures.cold, ...warm].map((s) => s.downMs))} | – |`,
  ];
}

export function renderMeshContainer(results: Results): string[] {
  const figures = results.meshContainer;
  if (!figures) return [];
  const head = ['## The mesh in a container', ''];
  if (isSkipped(figures)) return [...head, `Not measured: ${figures.skipped}.`, ''];
  const apart = !figures.apart
    ? ''
    : ` Measured on ${figures.date.slice(0, 16).replace('T', ' ')} UTC by \`pnpm bench --container-only\`, apart from the run above; the native column is that run's.`;
  const overrides = figures.overrides.length
    ? ` Started with ${figures.overrides.map((file) => `\`${file}\``).join(', ')} over docker-compose.yml (this machine cannot start a privileged container: [why](../docs/mesh-container.md#what-ci-stands-in-for)).`
    : '';
  return [
    ...head,
    `\`docker compose --profile mesh up --wait\` of the image already built, each start a new container ([docs/mesh-container.md](../docs/mesh-container.md)).${apart}${overrides}`,
    '',
    ...rows(figures, results),
    '',
  ];
}
