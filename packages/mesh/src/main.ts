// `./pnpmw mesh <command>`: the whole demo on a real Istio control plane and real Envoy proxies, on this machine.
import { runEntry } from '@mesh-demo/workspace';
import { MESH } from './commands/index.ts';

// `mesh status | head` closes the pipe early: that is the reader's choice, not an error to report.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await runEntry(MESH, process.argv.slice(2), Boolean(process.env.MESH_DEBUG));
