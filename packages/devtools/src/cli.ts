// The devtools CLIs' shared edge: the command as the user typed it, and options parsed or the usage with exit 2.
import { relative } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

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
  if (env.PNPMW_AS && env.PNPMW_PID === String(ppid)) return `${env.PNPMW_AS} ${script}`;
  const agent = env.npm_config_user_agent ?? '';
  if (env.npm_lifecycle_event && agent.startsWith('pnpm/')) return `pnpm ${script}`;
  if (env.npm_lifecycle_event && agent.startsWith('npm/')) return `npm run ${script}`;
  return `node ${relative(process.cwd(), argv[1] ?? script)}`;
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

export interface CommandLine {
  /** What the user typed to run this CLI, e.g. `./pnpmw loop`. */
  readonly command: string;
  /** The usage text, which starts with `usage: <command>`. */
  readonly usage: string;
  /** A wrong invocation: `<name>: <message>` and the usage on stderr, exit 2. Never a stack trace. */
  fail(message: string): never;
  /**
   * `parseArgs`, strict, with `--help`/`-h` added: help prints the usage and exits 0; an unknown option, a missing
   * value or an unexpected argument fails as above, with the first sentence of Node's own message.
   */
  parse<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>>;
}

/** `name` is the CLI's root script (`loop`); `usage` builds the usage text from the command the user typed. */
export function commandLine(name: string, usage: (command: string) => string): CommandLine {
  const command = commandName(name);
  const text = usage(command);
  const fail = (message: string): never => {
    console.error(`${name}: ${message}\n${text}`);
    process.exit(2);
  };
  return {
    command,
    usage: text,
    fail,
    parse(config) {
      let parsed: ReturnType<typeof parseArgs>;
      try {
        parsed = parseArgs({ ...config, strict: true, options: { ...config.options, help: { type: 'boolean', short: 'h' } } });
      } catch (error) {
        return fail(argsProblem(error));
      }
      if ((parsed.values as { help?: boolean }).help) {
        console.log(text);
        process.exit(0);
      }
      return parsed as ReturnType<typeof parseArgs<typeof config>>;
    },
  };
}
