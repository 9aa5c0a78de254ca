// `pnpm build`: builds every service from source (build-services.ts), always, even when the last build is current.
import { defineCommand, runEntry } from '@mesh-demo/workspace';
import { buildServices } from './build-services.ts';

export const build = defineCommand({
  name: 'build',
  summary: 'every service from source: tsc, precompiled schemas, one bundle each and its compile cache',
  async run() {
    await buildServices({ always: true });
    return 0;
  },
});

if (import.meta.main) process.exitCode = await runEntry(build, process.argv.slice(2));
