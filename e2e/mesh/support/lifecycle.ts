// A running local mesh for a test file (started once, shared by the files after it), and the leftovers check of `down`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { getStatus, HOST_LINK, meshNamespaces, NETNS_PREFIX, NotRunning, RUN_DIR } from '@mesh-demo/mesh';
import { cli } from './mesh.ts';

/** Starts the local mesh on step 02 unless one is running; fails with the CLI's own words if it cannot. */
export async function ensureMesh(): Promise<void> {
  try {
    await getStatus();
    return;
  } catch (error) {
    if (!(error instanceof NotRunning)) throw error;
  }
  const up = await cli(['up']);
  assert.equal(up.code, 0, `mesh up failed:\n${up.stdout}\n${up.stderr}`);
}

/** What `mesh down` must leave: no namespace, host link, iptables rule, process or run directory of the mesh. */
export async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  const namespaces = await meshNamespaces();
  if (namespaces.length) found.push(`network namespaces: ${namespaces.join(', ')}`);
  const links = (await promisify(execFile)('ip', ['-o', 'link', 'show'])).stdout;
  if (links.includes(HOST_LINK) || /\bmdv[0-9a-f]+/.test(links)) found.push('links of the mesh');
  const rules = (await promisify(execFile)('iptables-save')).stdout;
  if (rules.includes('ISTIO_')) found.push('ISTIO_ iptables chains in the host namespace');
  const processes = (await promisify(execFile)('ps', ['-eo', 'args'])).stdout.split('\n');
  // The control plane's processes name the run directory in their flags; the pods' are the only ones of their kind.
  const ours = processes.filter(
    (p) => p.includes(`${RUN_DIR}/`) || /pilot-agent|pilot-discovery|mesh\/src\/supervisor\.ts|\/coredns -conf/.test(p),
  );
  if (ours.length) found.push(`processes: ${ours.join(' | ')}`);
  if (existsSync(RUN_DIR)) found.push(RUN_DIR);
  const netnsFiles = existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((name) => name.startsWith(NETNS_PREFIX)) : [];
  if (netnsFiles.length) found.push(`/etc/netns entries: ${netnsFiles.join(', ')}`);
  return found;
}
