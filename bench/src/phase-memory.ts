// Memory of every measured process: read once idle (before any load) and once after all the load phases.
import { type Memory, readMemory } from './memory.ts';
import type { MemoryFigures, Results } from './results.ts';
import { TRACING_MODES } from './telemetry.ts';

/** Per configuration, per process name. */
export type MemoryReadings = Map<string, Record<string, Memory>>;

export function readAll(pids: Map<string, Record<string, number>>): MemoryReadings {
  return new Map([...pids].map(([key, byName]) => [key, memoryOf(byName)]));
}

/** The idle readings beside fresh ones; a tracing mode that did not run is named with the reason. */
export function memoryFigures(
  pids: Map<string, Record<string, number>>,
  idle: MemoryReadings,
  tracedSkip: string | undefined,
): Results['memory'] {
  const memory: Results['memory'] = {};
  for (const [key, byName] of pids) {
    const after = memoryOf(byName);
    const figures: Record<string, MemoryFigures> = {};
    for (const name of Object.keys(byName)) {
      const before = idle.get(key)![name]!;
      figures[name] = { idleMb: before.rssMb, idleAnonMb: before.anonMb, afterLoadMb: after[name]!.rssMb, peakMb: after[name]!.peakMb };
    }
    memory[key] = figures;
  }
  for (const mode of TRACING_MODES) if (!(mode.name in memory)) memory[mode.name] = { skipped: tracedSkip ?? 'not run' };
  return memory;
}

function memoryOf(pids: Record<string, number>): Record<string, Memory> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, readMemory(pid)]));
}
