// Counts what a loop saw: statuses, and which versions answered at each hop, for the summary people read.
import type { Chain } from '@mesh-demo/kit';

export class Tally {
  requests = 0;
  private readonly statuses = new Map<string, number>();
  /** service -> version -> count, in the order hops were first seen. */
  private readonly versions = new Map<string, Map<string, number>>();

  add(status: number | undefined, chain: Chain | undefined): void {
    this.requests += 1;
    const key = status === undefined ? 'no answer' : String(status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    for (const hop of chain?.chain ?? []) {
      const perVersion = this.versions.get(hop.service) ?? new Map<string, number>();
      perVersion.set(hop.version, (perVersion.get(hop.version) ?? 0) + 1);
      this.versions.set(hop.service, perVersion);
    }
  }

  summary(): string {
    const ok = this.statuses.get('200') ?? 0;
    const errors = [...this.statuses].filter(([status]) => status !== '200').map(([status, n]) => `${status}×${n}`);
    const lines = [
      `${this.requests} ${this.requests === 1 ? 'request' : 'requests'}, ${ok} ok${errors.length ? `, errors: ${errors.join(' ')}` : ''}`,
    ];
    const width = Math.max(0, ...[...this.versions.keys()].map((s) => s.length));
    for (const [service, perVersion] of this.versions) {
      const total = [...perVersion.values()].reduce((a, b) => a + b, 0);
      const mix = [...perVersion].sort(([a], [b]) => a.localeCompare(b)).map(([v, n]) => `${v} ${n} (${Math.round((100 * n) / total)}%)`);
      lines.push(`  ${service.padEnd(width)}  ${mix.join('  ')}`);
    }
    return lines.join('\n');
  }
}
