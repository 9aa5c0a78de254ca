// A container's stdout and stderr kept as containerd keeps them (/var/log/pods): one CRI record a line, what node-api reads.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, fchownSync, openSync, rmSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** Longer lines go out in parts (`P` records, then the last as `F`), so one runaway line cannot hold memory. */
const MAX_RECORD = 16 * 1024;

/**
 * `<RFC 3339 time> <stream> <F|P> <text>` per line, appended to the container's log of this start. The writes are
 * synchronous and batched per chunk (one timestamp, one write): a chunk is what the pipe handed over at once, and
 * a request log line costs one template string, not a write of its own.
 */
export function criLog(file: string, streams: { readonly stdout: Readable | null; readonly stderr: Readable | null }): () => void {
  const fd = openSync(file, 'a', 0o640);
  let open = 2;
  const attach = (stream: Readable | null, name: 'stdout' | 'stderr') => {
    if (!stream) {
      open -= 1;
      return;
    }
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const time = new Date().toISOString();
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      let out = '';
      for (const line of lines) out += `${time} ${name} F ${line}\n`;
      while (pending.length > MAX_RECORD) {
        out += `${time} ${name} P ${pending.slice(0, MAX_RECORD)}\n`;
        pending = pending.slice(MAX_RECORD);
      }
      if (out) writeSync(fd, out);
    });
    stream.on('close', () => {
      if (pending) writeSync(fd, `${new Date().toISOString()} ${name} F ${pending}\n`);
      if (--open === 0) closeSync(fd);
    });
  };
  attach(streams.stdout, 'stdout');
  attach(streams.stderr, 'stderr');
  return () => {
    streams.stdout?.destroy();
    streams.stderr?.destroy();
  };
}

/** The text of a CRI log's records (what `mesh logs` prints): the prefix dropped, partial records joined. */
export function criText(log: string): string[] {
  const lines: string[] = [];
  let partial = '';
  for (const record of log.split('\n')) {
    const match = /^\S+ (?:stdout|stderr) ([FP]) (.*)$/.exec(record);
    if (!match) continue;
    if (match[1] === 'P') partial += match[2];
    else {
      lines.push(partial + match[2]);
      partial = '';
    }
  }
  return lines;
}

/**
 * What of a growing log can be read as whole lines now (`complete`), and what waits for more (`rest`): a record not
 * ended by a newline yet, and the P records of a long line whose closing F record is not written yet.
 */
export function splitCriRecords(buffer: string): { complete: string; rest: string } {
  const records = buffer.split('\n');
  let end = records.length - 1;
  while (end > 0 && /^\S+ (?:stdout|stderr) P /.test(records[end - 1]!)) end -= 1;
  return { complete: records.slice(0, end).join('\n'), rest: records.slice(end).join('\n') };
}

/**
 * The container's stdout and stderr as FIFOs, as containerd gives them (owned by the container's user, as runc makes them): a process can open /dev/stdout again (Envoy's
 * access log does), which a socket (what Node's own pipes are) refuses with ENXIO. Returns the write ends for the
 * child's stdio (the caller closes its copies once the child has them) and starts copying the read ends into `file`.
 */
export function criFifos(
  file: string,
  owner: { uid: number; gid: number },
): { readonly stdout: number; readonly stderr: number; release(): void } {
  const open = (stream: string) => {
    const fifo = `${file}.${stream}.fifo`;
    rmSync(fifo, { force: true });
    execFileSync('mkfifo', ['-m', '600', fifo]);
    // The read end first, non-blocking, so opening the write end does not wait for a reader.
    const read = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const write = openSync(fifo, constants.O_WRONLY);
    // Owned by the container's user, as runc makes its stdio: a process opening /dev/stdout again is checked as itself.
    fchownSync(write, owner.uid, owner.gid);
    rmSync(fifo);
    return { reader: new Socket({ fd: read, readable: true, writable: false }), write };
  };
  const out = open('stdout');
  const err = open('stderr');
  criLog(file, { stdout: out.reader, stderr: err.reader });
  return {
    stdout: out.write,
    stderr: err.write,
    release() {
      closeSync(out.write);
      closeSync(err.write);
    },
  };
}
