// `./pnpmw mesh <command>`: the whole demo on a real Istio control plane and real Envoy proxies, on this machine.
import { parseArgs } from 'node:util';
import { commandName as typedAs } from '@mesh-demo/devtools';
import { down } from './commands/down.ts';
import { exec } from './commands/exec.ts';
import { logs } from './commands/logs.ts';
import { printStatus } from './commands/status.ts';
import { apply, up } from './commands/up.ts';
import { view } from './commands/view.ts';
import { NotRunning } from './control.ts';
import { MeshError } from './errors.ts';
import { checkHostTools, ensureTools } from './tools.ts';

const USAGE = `usage: ${typedAs('mesh')} <command>
  up [-f STEP]...          start istiod, the ingress gateway and the step's pods (default step 02-mesh)
  apply -f STEP [-f ...]   switch to another step live; unchanged pods keep running (and counting)
  status                   pods, proxies in sync, and where the edge is
  logs SERVICE [VERSION]   the app's log lines (--proxy: its sidecar's, with the access log; -f: follow)
  exec POD -- CMD...       run a command inside a pod (POD: a pod or Deployment name, e.g. recommendation-v1)
  view [--port N] [--tui]  the traffic as a live graph on http://127.0.0.1:20001/ (--tui: in this terminal)
  down                     stop everything and remove every namespace, rule and file it made
  tools                    fetch Envoy and build istiod and pilot-agent now (up does it when needed)
STEP is a values file, or an example's name: 03a-blue-green-50-50, resilience-fault-delay, ...`;

function usage(message?: string): never {
  if (message) console.error(`mesh: ${message.split('. To specify')[0]}`);
  console.error(USAGE);
  process.exit(2);
}

function options(args: string[], spec: NonNullable<Parameters<typeof parseArgs>[0]>['options']): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options: spec ?? {}, allowPositionals: true, strict: true });
  } catch (error) {
    usage((error as Error).message.split('\n')[0]);
  }
}

// `mesh status | head` closes the pipe early: that is the reader's choice, not an error to report.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const [commandName, ...rest] = process.argv.slice(2);
try {
  switch (commandName) {
    case 'up': {
      const { values, positionals } = options(rest, { file: { type: 'string', short: 'f', multiple: true } });
      if (positionals.length) usage(`up takes no arguments (got ${positionals.join(' ')}); name steps with -f`);
      process.exitCode = await up((values.file as string[] | undefined) ?? ['02-mesh']);
      break;
    }
    case 'apply': {
      const { values, positionals } = options(rest, { file: { type: 'string', short: 'f', multiple: true } });
      const files = (values.file as string[] | undefined) ?? [];
      if (positionals.length || files.length === 0) usage('apply wants one or more -f STEP');
      await apply(files);
      break;
    }
    case 'status':
      options(rest, {});
      await printStatus();
      break;
    case 'logs': {
      const { values, positionals } = options(rest, { proxy: { type: 'boolean' }, follow: { type: 'boolean', short: 'f' } });
      if (positionals.length < 1 || positionals.length > 2) usage('logs wants SERVICE [VERSION]');
      await logs(positionals[0]!, positionals[1], { proxy: values.proxy === true, follow: values.follow === true });
      break;
    }
    case 'exec': {
      const dash = rest.indexOf('--');
      if (dash !== 1 || rest.length < 3) usage('exec wants POD -- COMMAND [ARGS...]');
      process.exitCode = await exec(rest[0]!, rest.slice(2));
      break;
    }
    case 'view': {
      const { values, positionals } = options(rest, { port: { type: 'string' }, tui: { type: 'boolean' }, window: { type: 'string' } });
      if (positionals.length) usage(`view takes no arguments (got ${positionals.join(' ')})`);
      const port = Number(values.port ?? 20001);
      const windowSeconds = Number(values.window ?? 5);
      if (!Number.isInteger(port) || port < 1 || port > 65535) usage(`--port wants a port number, 1-65535 (got ${values.port})`);
      if (!Number.isInteger(windowSeconds) || windowSeconds < 2 || windowSeconds > 60)
        usage(`--window wants whole seconds, 2-60 (got ${values.window})`);
      await view({ port, tui: values.tui === true, windowSeconds });
      break;
    }
    case 'down':
      options(rest, {});
      await down();
      break;
    case 'tools': {
      options(rest, {});
      const tools = await ensureTools((line) => console.log(`mesh: ${line}`));
      await checkHostTools();
      for (const [name, path] of Object.entries(tools)) console.log(`  ${name.padEnd(17)} ${path}`);
      break;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      break;
    default:
      usage(`unknown command ${commandName}`);
  }
} catch (error) {
  // One line for people; the stack only on request, for whoever debugs the tool itself.
  const known = error instanceof MeshError || error instanceof NotRunning;
  console.error(`mesh: ${(error as Error).message}`);
  if (!known && process.env.MESH_DEBUG) console.error((error as Error).stack);
  process.exitCode = 1;
}
