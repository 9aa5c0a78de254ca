// Where a service's log lines go: stdout, written at once while no request is in flight, gathered into batches while some are.
import pino from 'pino';
import type { LogStream } from './server.ts';

/** A log stream that gathers lines while requests are in flight and writes them when the last one ends. */
export interface LogDestination {
  readonly stream: LogStream;
  /** A request began: lines are gathered from now until no request is left in flight. */
  begin(): void;
  /** A request ended: when it was the last one in flight, every gathered line is written. */
  end(): void;
  /** Writes out every line gathered so far, synchronously. */
  flush(): void;
}

/**
 * Why batches, and why synchronous: pino's default destination makes one asynchronous `fs.write` per line, which under
 * load was a tenth of a hop's busy time (plus the libuv pool's thread hand-offs), and flushing once per event-loop turn
 * cost a loop iteration per turn instead. Now a line logged while no request is in flight is written at once, as
 * before; under load, lines are gathered until MAX_BATCH bytes or until the last request in flight ends, and written
 * with one `writeSync`, as Node's own console writes to pipes and files. A request that never ends (its client went
 * away) cannot hold lines back for longer than BACKSTOP_MS. A stalled reader of a full pipe blocks the writer, as it
 * blocks console.log.
 */
const MAX_BATCH = 8 * 1024;
const BACKSTOP_MS = 250;

export function logDestination(fd = 1): LogDestination {
  // sonic-boom (pino's writer) keeps the batch and retries a write the pipe refuses for the moment (EAGAIN). pino also
  // registers an exit hook for it: a synchronous flush when the process exits any other way.
  const boom = pino.destination({ dest: fd, sync: true, minLength: MAX_BATCH, periodicFlush: BACKSTOP_MS });
  let inFlight = 0;
  const flush = () => {
    try {
      boom.flushSync();
    } catch {
      // stdout already closed (the reader went away): nothing left to write to.
    }
  };
  return {
    stream: {
      write(line: string) {
        boom.write(line);
        if (inFlight === 0) flush();
      },
    },
    begin() {
      inFlight += 1;
    },
    end() {
      inFlight = Math.max(0, inFlight - 1);
      if (inFlight === 0) flush();
    },
    flush,
  };
}
