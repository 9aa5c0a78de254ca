// What a crashed run left: the processes its pid files name, stopped while they are still the command recorded.
import { rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Stops the processes a run recorded in `pidDir` (all, or those `names`) and did not stop itself (it crashed, or was
 * killed): SIGTERM, then SIGKILL. A pid is only signalled while its command line still names the recorded binary (pids
 * are reused).
 */
export async function stopRecorded(pidDir: string, names?: readonly string[], timeoutMs = 15_000): Promise<string[]> {
  const files = await readdir(pidDir).catch(() => [] as string[]);
  const stopped: string[] = [];
  await Promise.all(
    files
      .filter((file) => file.endsWith('.pid') && (!names || names.includes(file.slice(0, -'.pid'.length))))
      .map(async (file) => {
        const [pidText, command] = (await readFile(join(pidDir, file), 'utf8')).split('\n');
        const pid = Number(pidText);
        if (pid > 0 && command && (await commandLineOf(pid)).includes(command)) {
          await terminate(pid, timeoutMs);
          stopped.push(file.replace(/\.pid$/, ''));
        }
        rmSync(join(pidDir, file), { force: true });
      }),
  );
  return stopped;
}

async function commandLineOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
}

async function terminate(pid: number, timeoutMs: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (const deadline = Date.now() + timeoutMs; alive() && Date.now() < deadline; ) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && alive(); i++) await sleep(20);
}
