// Where a service's log lines go: stdout, written at once when quiet, gathered into batches under load.
import pino from 'pino';
import type { LogStream } from '../server.ts';

/** A log stream that gathers lines while requests are in flight and writes them when the last one ends. */
export interface LogDestination {
  readonly stream: LogStream;
  /** A request began: lines are gathered from now until no request is left in flight. */
  begin(): void;
  /** A request ended: when it was the last one in flight, the gathered lines are written (at once, or this loop turn). */
  end(): void;
  /** Writes out every line gathered so far, synchronously. */
  flush(): void;
}

/**
 * Why batches, and why synchronous: pino's default destination makes one asynchronous `fs.write` per line, which under
 * load was a tenth of a hop's busy time (plus the libuv pool's thread hand-offs), and flushing once per event-loop turn
 * cost a loop iteration per turn instead. Lines are gathered while requests are in flight and written with one
 * `writeSync` (as Node's own console writes to pipes and files) when the last one ends, or at MAX_BATCH bytes.
 *
 * Why not always at once when none is in flight: a leaf hop (no downstream) finishes each request before it reads the
 * next, so "none in flight" came after every request, and every line was a write of its own (measured: 2 write
 * syscalls per request on recommendation instead of 1). So a line is written at once only when nothing was written for
 * QUIET_MS (a person's curl, a test's request); within QUIET_MS of the last write it is written at the end of the
 * event-loop turn (setImmediate), with every other line that turn logged. A request that never ends (its client went
 * away) cannot hold lines back for longer than BACKSTOP_MS. A stalled reader of a full pipe blocks the writer, as it
 * blocks console.log.
 */
const MAX_BATCH = 8 * 1024;
const QUIET_MS = 20;
const BACKSTOP_MS = 250;

export function logDestination(fd = 1): LogDestination {
  // sonic-boom (pino's writer) keeps the batch and retries a write the pipe refuses for the moment (EAGAIN). pino also
  // registers an exit hook for it: a synchronous flush when the process exits any other way.
  const boom = pino.destination({ dest: fd, sync: true, minLength: MAX_BATCH, periodicFlush: BACKSTOP_MS });
  let inFlight = 0;
  let lastFlush = Number.NEGATIVE_INFINITY;
  let immediate: NodeJS.Immediate | undefined;
  // Whether a line came since the last flush: a flush with nothing to write is no write, and starts no quiet interval.
  let pending = false;
  const flush = () => {
    if (immediate) clearImmediate(immediate);
    immediate = undefined;
    if (!pending) return;
    pending = false;
    lastFlush = performance.now();
    try {
      boom.flushSync();
    } catch {
      // stdout already closed (the reader went away): nothing left to write to.
    }
  };
  /** None in flight: write now if the last write was long enough ago, else at the end of this event-loop turn. */
  const settle = () => {
    if (performance.now() - lastFlush >= QUIET_MS) flush();
    else immediate ??= setImmediate(flush);
  };
  return {
    stream: {
      write(line: string) {
        boom.write(line);
        pending = true;
        if (inFlight === 0) settle();
      },
    },
    begin() {
      inFlight += 1;
    },
    end() {
      inFlight = Math.max(0, inFlight - 1);
      if (inFlight === 0) settle();
    },
    flush,
  };
}
