// Running a short command (ip, openssl, kubectl, helm) to its end, its failure as one line naming the command.
import { execFile } from 'node:child_process';
import { MeshError } from '../errors.ts';

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  /** How the command is named in an error: `kubectl apply` rather than the binary's full path. */
  readonly label?: string;
  readonly timeoutMs?: number;
}

/** The last lines a failed command printed, joined into one: what a user needs to see, without the noise before it. */
export function failureLine(output: string, lines = 3): string {
  const meaningful = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return meaningful.slice(-lines).join(' | ');
}

/** Runs the command; a non-zero exit (or a missing binary) rejects with a MeshError of one line. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const label = options.label ?? command;
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return reject(new MeshError(`${label}: ${command} not found`));
        const detail = failureLine(stderr) || failureLine(stdout) || error.message;
        reject(new MeshError(`${label} failed: ${detail}`));
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
