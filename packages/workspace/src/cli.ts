// The command line as people see it: a command named as the user typed it, and parseArgs errors as one line.
import { relative } from 'node:path';

/**
 * How the user ran a root package.json script, for usage texts and hints: `./pnpmw loop` through the wrapper, `pnpm
 * loop` (or `npm run loop`) under a package manager, else the node command line itself. The wrapper exports what it
 * was typed as (PNPMW_AS) and its pid (PNPMW_PID); pnpm keeps that pid (the wrapper and pnpm's shim both exec) and is
 * our parent (the scripts exec node), so a plain `pnpm start` run underneath `./pnpmw test` is not mistaken for it.
 */
export function commandName(
  script: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  ppid: number = process.ppid,
  argv: readonly string[] = process.argv,
): string {
  // The mesh container puts `mesh` on PATH as a command of its own (packages/mesh/container/bin); it says which scripts.
  if (env.MESH_DEMO_BARE_COMMANDS?.split(',').includes(script)) return script;
  if (env.PNPMW_AS && env.PNPMW_PID === String(ppid)) return `${env.PNPMW_AS} ${script}`;
  const agent = env.npm_config_user_agent ?? '';
  if (env.npm_lifecycle_event && agent.startsWith('pnpm/')) return `pnpm ${script}`;
  if (env.npm_lifecycle_event && agent.startsWith('npm/')) return `npm run ${script}`;
  // Run by node: the entry, then the words before the arguments (a dispatcher's `main.ts loop`), as they were typed.
  const entry = relative(process.cwd(), argv[1] ?? script);
  return argv[2] === script ? `node ${entry} ${script}` : `node ${entry}`;
}

/**
 * What a `parseArgs` error says, for people: its first sentence ("unknown option '--x'", without the advice on `--`
 * that follows), and "-n wants a value" for Node's "Option '-n, --n <value>' argument missing".
 */
export function argsProblem(error: unknown): string {
  const message = (error as Error).message;
  const missing = /^Option '(?:(-\w), --\S+|(--?\S+)) <value>' argument missing/.exec(message);
  if (missing) return `${missing[1] ?? missing[2]} wants a value`;
  const first = message.split(/\.\s/, 1)[0]!.replace(/\.$/, '');
  return first.charAt(0).toLowerCase() + first.slice(1);
}
