// Resident memory of a process from /proc: VmRSS now, and VmHWM (the peak RSS since it started).
import { readFileSync } from 'node:fs';

export interface Memory {
  readonly rssMb: number;
  readonly peakMb: number;
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${name} in /proc status`);
  return Number(match[1]) / 1024;
}

export function parseStatus(status: string): Memory {
  return { rssMb: field(status, 'VmRSS'), peakMb: field(status, 'VmHWM') };
}

export function readMemory(pid: number): Memory {
  return parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}
