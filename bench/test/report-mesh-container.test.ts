// The mesh container's section of RESULTS.md: its rows beside the native `mesh up`, when it was measured, and skips.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMeshContainer } from '../src/report-mesh-container.ts';
import type { MeshContainerFigures, MeshFigures, Results } from '../src/results.ts';

const start = (firstOkMs: number, waitMs: number, downMs: number) => ({ firstOkMs, waitMs, downMs });
const FIGURES: MeshContainerFigures = {
  date: '2026-12-07T22:40:00.000Z',
  image: 'mesh-demo/mesh:dev',
  imageBytes: 1_960_000_000,
  compressedBytes: 700_000_000,
  layers: 9,
  cold: start(52_000, 61_000, 22_000),
  warm: [start(44_000, 50_000, 20_000), start(46_000, 52_000, 21_000), start(45_000, 51_000, 23_000)],
  overrides: [],
};
const results = (meshContainer: Results['meshContainer'], date = '2026-12-07T20:00:00.000Z', mesh?: Partial<MeshFigures>) =>
  ({ meta: { date }, mesh: mesh ?? { skipped: 'not run' }, meshContainer }) as unknown as Results;

describe('the mesh container section', () => {
  it('shows the image size, cold and warm starts and down, with the native mesh up of the same results beside', () => {
    const text = renderMeshContainer(
      results(FIGURES, '2026-12-07T22:00:00.000Z', { upColdMs: [31_635], upWarmMs: [27_643, 30_049, 31_960] }),
    ).join('\n');
    assert.match(text, /\| Image \(mesh-demo\/mesh:dev\) \| 1960 MB uncompressed, 700 MB gzipped, 9 layers \|/);
    assert.match(text, /\| Cold: the first 200 at the edge \(page cache dropped first\) \| 52\.0 s \| 31\.6 s \|/);
    assert.match(
      text,
      /\| Warm: the first 200 at the edge \(median, runs\) \| 45\.0 s \(44\.0 s, 46\.0 s, 45\.0 s\) \| 30\.0 s \(27\.6 s, 30\.0 s, 32\.0 s\) \|/,
    );
    assert.match(text, /\| Warm: `up --wait` returned \(median, runs\) \| 51\.0 s /);
    assert.match(text, /\| `down` .* \| 21\.5 s \(22\.0 s, 20\.0 s, 21\.0 s, 23\.0 s\) \|/);
    assert.doesNotMatch(text, /apart from the run above/, 'measured in the run itself');
  });

  it('says when the figures were measured apart from the full run, and names the compose files laid over', () => {
    const text = renderMeshContainer(
      results({ ...FIGURES, apart: true, overrides: ['.ci/offline/mesh-ci.compose.yml'] }, '2026-12-01T09:00:00.000Z'),
    ).join('\n');
    assert.match(text, /Measured on 2026-12-07 22:40 UTC by `pnpm bench --container-only`, apart from the run above/);
    assert.match(text, /Started with `\.ci\/offline\/mesh-ci\.compose\.yml` over docker-compose\.yml/);
    assert.match(text, /\| Cold: the first 200 .* \| 52\.0 s \| not measured \|/, 'no native figure to show');
  });

  it('says why it was not measured, with no figure', () => {
    const text = renderMeshContainer(results({ skipped: 'no container engine answers' })).join('\n');
    assert.match(text, /^Not measured: no container engine answers\.$/m);
    assert.doesNotMatch(text, /\d+ MB/);
  });

  it('renders nothing for results from before the mesh container', () => {
    assert.deepEqual(renderMeshContainer(results(undefined)), []);
  });
});
