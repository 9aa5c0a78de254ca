// `mesh logs SERVICE [VERSION]`: the app's lines (short, as pnpm start prints them) or its sidecar's, for every pod of it.
import { createReadStream, existsSync, readdirSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import { defineCommand, formatLogLine } from '@mesh-demo/workspace';
import { getStatus, type PodStatus } from '../control.ts';
import { MeshError } from '../errors.ts';
import { criText, splitCriRecords } from '../node/cri-log.ts';

export interface LogOptions {
  readonly proxy: boolean;
  readonly follow: boolean;
}

/** Pods of a service (the app label), optionally of one version; a pod or Deployment name works too. */
export function podsOf(pods: readonly PodStatus[], service: string, version?: string): PodStatus[] {
  const exact = pods.filter((p) => p.name === service || p.workload === service);
  if (exact.length && !version) return exact;
  return pods.filter((p) => p.labels.app === service && (!version || p.labels.version === version));
}

export async function logs(service: string, version: string | undefined, options: LogOptions): Promise<void> {
  const status = await getStatus();
  const pods = podsOf(status.pods, service, version).filter((p) => p.phase !== 'Terminating');
  if (pods.length === 0) {
    const known = [...new Set(status.pods.map((p) => p.labels.app).filter(Boolean))].join(', ');
    throw new MeshError(`no pod of ${service}${version ? ` ${version}` : ''} is running (running: ${known})`);
  }
  const prefix = pods.length > 1;
  await Promise.all(
    pods.map((pod) => {
      const container = options.proxy ? 'istio-proxy' : (pod.service ?? pod.labels.app ?? 'istio-proxy');
      const file = currentLog(status.runDir, pod, container);
      const show = (line: string) => console.log(`${prefix ? `${pod.name} | ` : ''}${options.proxy ? line : formatLogLine(line)}`);
      return options.follow ? follow(file, show) : printAll(file, show);
    }),
  );
}

/**
 * The container's current log, as the node keeps it (the kubelet's layout): `pods/<ns>_<name>_<uid>/<container>/<n>.log`,
 * n its restart count, so the highest n is the running one.
 */
export function currentLog(runDir: string, pod: Pick<PodStatus, 'namespace' | 'name'>, container: string): string {
  const pods = join(runDir, 'pods');
  const dir = existsSync(pods) ? readdirSync(pods).find((d) => d.startsWith(`${pod.namespace}_${pod.name}_`)) : undefined;
  const logs =
    dir && existsSync(join(pods, dir, container)) ? readdirSync(join(pods, dir, container)).filter((f) => /^\d+\.log$/.test(f)) : [];
  const newest = logs.sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))[0];
  return join(pods, dir ?? `${pod.namespace}_${pod.name}`, container, newest ?? '0.log');
}

async function printAll(file: string, show: (line: string) => void): Promise<void> {
  if (!existsSync(file)) return;
  let text = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) text += chunk;
  criText(text).forEach(show);
}

/** Prints the file, then each line appended to it until Ctrl-C (or the mesh goes down and removes it). */
async function follow(file: string, show: (line: string) => void): Promise<void> {
  let position = 0;
  let partial = '';
  const read = async () => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size <= position) return;
    for await (const chunk of createReadStream(file, { start: position, end: size - 1, encoding: 'utf8' })) partial += chunk;
    position = size;
    const { complete, rest } = splitCriRecords(partial);
    partial = rest;
    criText(complete).forEach(show);
  };
  await read();
  await new Promise<void>((resolve) => {
    const watcher = watch(file, () => void read());
    const timer = setInterval(() => {
      if (!existsSync(file)) {
        watcher.close();
        clearInterval(timer);
        resolve();
      }
    }, 1000);
    process.once('SIGINT', () => {
      watcher.close();
      clearInterval(timer);
      resolve();
    });
  });
}

export const logsCommand = defineCommand({
  name: 'logs',
  summary: "the app's log lines (--proxy: its sidecar's, with the access log; -f: follow)",
  synopsis: 'SERVICE [VERSION]',
  positionals: true,
  options: { proxy: { type: 'boolean' }, follow: { type: 'boolean', short: 'f' } },
  async run({ values, positionals, fail }) {
    if (positionals.length < 1 || positionals.length > 2) fail('logs wants SERVICE [VERSION]');
    await logs(positionals[0]!, positionals[1], { proxy: values.proxy === true, follow: values.follow === true });
    return 0;
  },
});
