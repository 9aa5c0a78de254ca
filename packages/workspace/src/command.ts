// A CLI command as a module (its usage, options and run), and the one way every CLI here parses and reports a command line.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { argsProblem, commandName } from './cli.ts';

export type Values<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>['values'];

/** One run of a command: its parsed options and arguments, and how to refuse them. */
export interface Invocation<O extends ParseArgsOptionsConfig> {
  readonly values: Values<O>;
  readonly positionals: string[];
  /** What the user typed to run this command, e.g. `./pnpmw loop` or `./pnpmw mesh up`. */
  readonly command: string;
  /** A wrong invocation: `<cli>: <message>` and this command's usage on stderr, exit 2. Never a stack trace. */
  fail(message: string): never;
}

export interface Command<O extends ParseArgsOptionsConfig = ParseArgsOptionsConfig> {
  /** The word that selects it: `loop`, or `up` under `mesh`. */
  readonly name: string;
  /** One line for its CLI's index. */
  readonly summary: string;
  /** What follows the command on the usage line, e.g. `[URL] [-n COUNT]`; none for a command that takes nothing. */
  readonly synopsis?: string;
  /** Lines under the usage line (options, examples); given the command as typed, for examples that name it. */
  details?(command: string): string;
  /** Its options; `--help`/`-h` is added to every command. */
  readonly options?: O;
  /** Whether it takes arguments (it checks their number itself); without, any argument is refused. */
  readonly positionals?: boolean;
  /** Everything after a `--` goes to `passThrough` untouched (a command line for a pod), never parsed as options. */
  readonly passThrough?: boolean;
  /** Every argument goes to `passThrough` untouched, `--help` included: a wrapped tool's own command line. */
  readonly rawArgs?: boolean;
  /** Does the work; a returned number is the exit code (default 0). Method syntax: the CLIs list commands of any options. */
  run(invocation: Invocation<O> & { readonly passThrough: string[] }): Promise<number | undefined> | number | undefined;
}

/** Lets TypeScript infer a command's option types from its `options`. */
export function defineCommand<O extends ParseArgsOptionsConfig>(command: Command<O>): Command<O> {
  return command;
}

/** A failure people can act on: its message is the whole story (one line, exit 1, no stack). */
export class CommandError extends Error {}

class UsageFailure extends Error {}

/** The usage text: `usage: <command> <synopsis>` and the details under it. */
export function usageOf(command: Command, typed: string): string {
  const details = command.details?.(typed);
  return `usage: ${typed} ${command.synopsis ?? ''}`.trimEnd() + (details ? `\n${details}` : '');
}

export interface RunAs {
  /** The prefix of every message: the CLI as the user knows it (`loop`, `mesh`). */
  readonly cli: string;
  /** The command as typed, for the usage (`./pnpmw loop`, `./pnpmw mesh up`). */
  readonly typed: string;
  /** Print a stack with an unexpected error's message (for whoever debugs the tool itself). */
  readonly debug?: boolean;
}

/**
 * Parses `args` for `command` (strict; `--help` prints the usage, exit 0) and runs it. Resolves with the exit code:
 * 2 and the usage for a wrong command line, 1 and one line for a failure, whatever `run` returns otherwise.
 */
export async function runCommand(command: Command, args: readonly string[], as: RunAs): Promise<number> {
  const usage = usageOf(command, as.typed);
  const fail = (message: string): never => {
    throw new UsageFailure(message);
  };
  try {
    if (command.rawArgs) return (await command.run({ values: {}, positionals: [], passThrough: [...args], command: as.typed, fail })) ?? 0;
    const dash = command.passThrough ? args.indexOf('--') : -1;
    const own = dash >= 0 ? args.slice(0, dash) : [...args];
    const passThrough = dash >= 0 ? args.slice(dash + 1) : [];
    let parsed: { values: Values<ParseArgsOptionsConfig>; positionals: string[] };
    try {
      parsed = parseArgs({
        args: own,
        strict: true,
        allowPositionals: command.positionals === true,
        options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      });
    } catch (error) {
      return fail(argsProblem(error));
    }
    if (parsed.values.help) {
      console.log(usage);
      return 0;
    }
    return (await command.run({ ...parsed, passThrough, command: as.typed, fail })) ?? 0;
  } catch (error) {
    if (error instanceof UsageFailure) {
      console.error(`${as.cli}: ${error.message}\n${usage}`);
      return 2;
    }
    console.error(`${as.cli}: ${(error as Error).message ?? String(error)}`);
    if (!(error instanceof CommandError) && as.debug) console.error((error as Error).stack);
    return 1;
  }
}

/** The index of a CLI made of commands (`mesh up`, `mesh down`, ...): one line per command and a footer. */
export function indexOf(typed: string, commands: readonly Command[], footer = ''): string {
  const line = (c: Command) => `${c.name} ${c.synopsis ?? ''}`.trimEnd();
  const width = Math.max(...commands.map((c) => line(c).length)) + 2;
  const lines = commands.map((c) => `  ${line(c).padEnd(width)} ${c.summary}`);
  return [`usage: ${typed} <command>`, ...lines, ...(footer ? [footer] : [])].join('\n');
}

/** A CLI made of commands of its own, `<cli> <command> [options]` (`mesh up`, `images push`). */
export interface CommandSet {
  readonly name: string;
  readonly summary: string;
  readonly commands: readonly Command[];
  /** A line under the index (what an argument means across commands). */
  readonly footer?: string;
}

/** Whether an entry of a CLI list is a set of commands rather than one command. */
export function isCommandSet(entry: Command | CommandSet): entry is CommandSet {
  return 'commands' in entry;
}

/**
 * A CLI of several commands: no command or `help` prints the index (exit 0); an unknown one is a usage error. Each
 * command is typed as `<cli as typed> <command>`.
 */
export async function runCommands(set: CommandSet, argv: readonly string[], debug = false): Promise<number> {
  const typed = commandName(set.name);
  const index = indexOf(typed, set.commands, set.footer);
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(index);
    return 0;
  }
  const command = set.commands.find((c) => c.name === name);
  if (!command) {
    // An option before any command is refused as every command refuses an option it does not know.
    const problem = name.startsWith('-') ? `unknown option '${name}'` : `unknown command ${name}`;
    console.error(`${set.name}: ${problem}\n${index}`);
    return 2;
  }
  return runCommand(command, rest, { cli: set.name, typed: `${typed} ${name}`, debug });
}

/** Runs one entry of a CLI list, a command or a set of them, with the rest of the command line. */
export function runEntry(entry: Command | CommandSet, argv: readonly string[], debug = false): Promise<number> {
  if (isCommandSet(entry)) return runCommands(entry, argv, debug);
  return runCommand(entry, argv, { cli: entry.name, typed: commandName(entry.name), debug });
}
