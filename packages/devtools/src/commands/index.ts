// The developer commands of `./pnpmw` (start, loop, ...), each loaded only when it runs; main.ts dispatches to them.
import type { Command, CommandSet } from '@mesh-demo/workspace';

type Entry = Command | CommandSet;

/** Name to module, in the order the README introduces them. Lazy: `loop` should not load the build, nor `token` Fastify. */
export const DEVTOOLS_COMMANDS: Readonly<Record<string, () => Promise<Entry>>> = {
  start: async () => (await import('./start.ts')).start,
  loop: async () => (await import('./loop.ts')).loop,
  fault: async () => (await import('./fault.ts')).fault,
  trace: async () => (await import('./trace.ts')).trace,
  token: async () => (await import('./token.ts')).token,
  soak: async () => (await import('./soak.ts')).soak,
  images: async () => (await import('./images.ts')).images,
};
