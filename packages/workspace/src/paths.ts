// Where things live in this repo, named once: every tool finds the chart, install/, the tool installer and its pins here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The chart every step renders (`helm upgrade --install demo charts/mesh-demo ...`). */
export const CHART_DIR = join(REPO_ROOT, 'charts', 'mesh-demo');
/** A chart example by name: `03a-blue-green-50-50` is `charts/mesh-demo/examples/03a-blue-green-50-50.yaml`. */
export const EXAMPLES_DIR = join(CHART_DIR, 'examples');
/** The cluster-side installs (operators, control plane, gateway) that the walkthrough applies before the chart. */
export const INSTALL_DIR = join(REPO_ROOT, 'install');

/** Sources of the project's tools: the installer, its version pins, and the Go modules it builds. */
export const TOOLS_SOURCE_DIR = join(REPO_ROOT, 'tools');
/** Builds and downloads `tools/install-tools.sh` makes (binaries in `bin/`, with a version stamp each); not committed. */
export const TOOLS_DIR = join(REPO_ROOT, '.tools');
export const TOOLS_BIN = join(TOOLS_DIR, 'bin');
/** Builds the named tools from their pinned modules, idempotently (a binary with a matching stamp is kept). */
export const TOOL_INSTALLER = join(TOOLS_SOURCE_DIR, 'install-tools.sh');
/** The one place tool versions are pinned (KEY=value lines, sourced by the installer and read by the mesh). */
export const TOOL_VERSIONS = join(TOOLS_SOURCE_DIR, 'versions.sh');

/** The pins of tools/versions.sh as a map; read on demand, so a tool that needs none pays nothing. */
export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(TOOL_VERSIONS, 'utf8');
  return Object.fromEntries([...text.matchAll(/^([A-Z0-9_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}
