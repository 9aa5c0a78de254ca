// CPU time a process has used (user + system), from /proc/<pid>/stat: where the cost goes, beside throughput.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** utime and stime are fields 14 and 15; the command name (field 2) may hold spaces, so count from its closing ')'. */
export function parseCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error('no utime/stime in /proc stat');
  return ticks;
}

/** Seconds of CPU used so far by each process, summed. */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / clockTicks(), 0);
}
