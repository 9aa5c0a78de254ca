// CPU time a process has used (user + system), from /proc/<pid>/stat: where the cost goes, beside throughput; and
// pinning processes to a core, so a load generator can run off the cores of the services it measures.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

export function clockTicks(): number {
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

/** CPU time per request in µs: seconds of CPU over a stretch ÷ the requests sent in it (at least 1, so never a division by 0). */
export function cpuUsPerRequest(cpuSecondsUsed: number, requests: number): number {
  return (1e6 * cpuSecondsUsed) / Math.max(1, requests);
}

/**
 * Pins a running process and every thread it has to one core (`taskset -a`): Node's worker, GC and I/O threads
 * would otherwise still run on any core. Threads started later inherit the mask.
 */
export function pinProcess(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** Whether processes can be pinned here: taskset present and able to read this process's affinity. */
export function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The command line that starts `argv` already pinned to one core, so none of its threads ever runs elsewhere; with
 * `realtime`, at round-robin real-time priority 1 (`chrt -r 1`): ahead of every ordinary process on that core, so a load
 * generator that shares its core with services still reads its clock when an answer comes, not when they let it.
 */
export function pinnedCommand(cpu: number, argv: readonly string[], realtime = false): [string, string[]] {
  return ['taskset', ['-c', String(cpu), ...(realtime ? ['chrt', '-r', '1'] : []), ...argv]];
}

/** Whether this process may start others at real-time priority (root, or CAP_SYS_NICE, and chrt present). */
export function canRealtime(): boolean {
  try {
    execFileSync('chrt', ['-r', '1', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `Cpus_allowed_list` from /proc/<pid>/status, e.g. "0" or "0-1": where the process may run, read back, not assumed. */
export function parseCpusAllowed(status: string): string {
  const match = /^Cpus_allowed_list:\s+(\S+)$/m.exec(status);
  if (!match) throw new Error('no Cpus_allowed_list in /proc status');
  return match[1]!;
}

export function cpusAllowed(pid: number): string {
  return parseCpusAllowed(readFileSync(`/proc/${pid}/status`, 'utf8'));
}
