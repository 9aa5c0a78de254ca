// Where a service's log lines go: stdout, gathered per event-loop turn and written with one synchronous write.
import pino from 'pino';
import type { LogStream } from './server.ts';

/** A log stream whose buffered lines can be written out before the process exits. */
export interface LogDestination {
  readonly stream: LogStream;
  /** Writes out every line buffered so far, synchronously. */
  flush(): void;
}

/**
 * Why batches, and why synchronous: pino's default destination makes one asynchronous `fs.write` per line, which under
 * load was a tenth of a hop's busy time (plus the libuv pool's thread hand-offs). Lines are now gathered for the rest
 * of the event-loop turn (under load one turn completes many requests) and written with one `writeSync`, as Node's
 * own console writes to pipes and files; a batch that reaches MAX_BATCH is written at once. A line is therefore on
 * stdout as soon as the turn that logged it ends, as before. A stalled reader of a full pipe blocks the writer, as it
 * blocks console.log.
 */
const MAX_BATCH = 8 * 1024;

export function logDestination(fd = 1): LogDestination {
  // sonic-boom (pino's writer) keeps the batch and retries a write the pipe refuses for the moment (EAGAIN). pino also
  // registers an exit hook for it: a synchronous flush when the process exits any other way.
  const boom = pino.destination({ dest: fd, sync: true, minLength: MAX_BATCH });
  let scheduled = false;
  const flush = () => {
    scheduled = false;
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
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      },
    },
    flush,
  };
}
