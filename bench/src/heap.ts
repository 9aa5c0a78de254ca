// What holds a process's memory: V8's heap figures from its Prometheus metrics, and a heap snapshot summed by kind.

/** prom-client's default process and heap metrics, in MB; spaces by V8 space name (new_space, old_space, code_space ...). */
export interface HeapFigures {
  readonly rssMb: number;
  /** Live and not yet collected objects in V8's heap. */
  readonly heapUsedMb: number;
  /** What V8 has committed for its heap: used plus pages it keeps for the next allocations. */
  readonly heapTotalMb: number;
  /** Memory of JS objects held outside V8's heap (Buffers, ArrayBuffers). */
  readonly externalMb: number;
  readonly spaces: Record<string, { readonly usedMb: number; readonly totalMb: number }>;
}

const MB = 1024 * 1024;

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
  if (!match) throw new Error(`no ${name} in the metrics`);
  return Number(match[1]) / MB;
}

export function parseHeapMetrics(text: string): HeapFigures {
  const spaces: Record<string, { usedMb: number; totalMb: number }> = {};
  for (const [, kind, space, value] of text.matchAll(/^nodejs_heap_space_size_(used|total)_bytes\{space="([^"]+)"\} (\S+)/gm)) {
    spaces[space!] ??= { usedMb: 0, totalMb: 0 };
    spaces[space!]![kind === 'used' ? 'usedMb' : 'totalMb'] = Number(value) / MB;
  }
  return {
    rssMb: metric(text, 'process_resident_memory_bytes'),
    heapUsedMb: metric(text, 'nodejs_heap_size_used_bytes'),
    heapTotalMb: metric(text, 'nodejs_heap_size_total_bytes'),
    externalMb: metric(text, 'nodejs_external_memory_bytes'),
    spaces,
  };
}

/** A service's heap figures, read from `/metrics` on its management port (never shed, so it answers under load). */
export async function readHeapMetrics(managementUrl: string): Promise<HeapFigures> {
  const response = await fetch(`${managementUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`${managementUrl}/metrics answered ${response.status}`);
  return parseHeapMetrics(await response.text());
}

export interface SnapshotSummary {
  /** The sum of every object's own size: what is live (the snapshot collects garbage first). */
  readonly liveMb: number;
  readonly objects: number;
  /** The largest kinds by their own size: a constructor name for objects, `(kind)` for strings, code, arrays, ... */
  readonly largest: readonly { readonly kind: string; readonly count: number; readonly mb: number }[];
}

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

/** Sums a V8 heap snapshot (the .heapsnapshot JSON) by kind, as DevTools' summary view groups it, largest first. */
export function summariseSnapshot(snapshot: Snapshot, top = 8): SnapshotSummary {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const byKind = new Map<string, { count: number; bytes: number }>();
  let bytes = 0;
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt]!]!;
    // Objects and native objects by what they are; the rest by kind (one "string" group, not one per string).
    const kind = type === 'object' || type === 'native' ? strings[nodes[i + nameAt]!]! : `(${type})`;
    const size = nodes[i + sizeAt]!;
    const entry = byKind.get(kind) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += size;
    byKind.set(kind, entry);
    bytes += size;
  }
  const largest = [...byKind]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, top)
    .map(([kind, e]) => ({ kind, count: e.count, mb: e.bytes / MB }));
  return { liveMb: bytes / MB, objects: nodes.length / fields.length, largest };
}
