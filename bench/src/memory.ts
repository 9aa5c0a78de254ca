// Resident memory of a process from /proc: VmRSS now, VmHWM (the peak RSS since it started), and RssAnon (private).
import { readFileSync } from 'node:fs';

export interface Memory {
  readonly rssMb: number;
  readonly peakMb: number;
  /** The private part of VmRSS (heap, stacks); the rest is mostly the node binary's pages, shared between processes. */
  readonly anonMb: number;
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${name} in /proc status`);
  return Number(match[1]) / 1024;
}

export function parseStatus(status: string): Memory {
  return { rssMb: field(status, 'VmRSS'), peakMb: field(status, 'VmHWM'), anonMb: field(status, 'RssAnon') };
}

export function readMemory(pid: number): Memory {
  return parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}
