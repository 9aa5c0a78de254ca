// Runs a command from the repo root to its end: exit code and both streams as one, never a throw on failure.
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '@mesh-demo/workspace';

export function runCommand(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.on('error', (error) => resolve({ code: -1, output: error.message }));
    // 'close', not 'exit': the last lines are read by then.
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
