// Starts istio-tutorial's Java chains (bench/references/java, built by its build.sh) as real processes on free ports.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mesh-demo/workspace';
import { waitReady } from './references.ts';

export type JavaVariant = 'springboot' | 'quarkus-jvm';

/** The upstream commit the sources are vendored from (bench/references/java; its recommendation still answers v1). */
export const UPSTREAM = 'redhat-scholars/istio-tutorial@77ef704893cc6b340cda2b15c191b890273be2ad';
export const BUILD_SCRIPT = fileURLToPath(new URL('../references/java/build.sh', import.meta.url));
/** build.sh's output (gitignored); JAVA_REFS_OUT moves it, for both. */
export const JAVA_OUT = process.env.JAVA_REFS_OUT ?? fileURLToPath(new URL('../out/java/', import.meta.url));

const HOPS = ['customer', 'preference', 'recommendation'] as const;
type Hop = (typeof HOPS)[number];

interface VariantSpec {
  readonly jar: (hop: Hop) => string;
  /** Spring Boot: upstream's own /health/ready mapping. Quarkus 2 moved SmallRye Health under /q. */
  readonly readyPath: string;
  /** System properties for the port and the downstream's URL: upstream's own keys, only their values set. */
  readonly props: (hop: Hop, port: number, downstream: string | undefined) => string[];
}

const VARIANTS: Record<JavaVariant, VariantSpec> = {
  springboot: {
    jar: (hop) => join(JAVA_OUT, `springboot-${hop}`, `${hop}.jar`),
    readyPath: '/health/ready',
    props: (hop, port, downstream) => [
      `-Dserver.port=${port}`,
      ...(downstream ? [`-D${hop === 'customer' ? 'preferences' : 'recommendations'}.api.url=${downstream}`] : []),
    ],
  },
  'quarkus-jvm': {
    jar: (hop) => join(JAVA_OUT, `quarkus-${hop}`, 'quarkus-app', 'quarkus-run.jar'),
    readyPath: '/q/health/ready',
    props: (hop, port, downstream) => [
      `-Dquarkus.http.port=${port}`,
      ...(downstream
        ? [
            hop === 'customer'
              ? `-Dcom.redhat.developer.demos.customer.rest.PreferenceService/mp-rest/url=${downstream}`
              : `-Dcom.redhat.developer.demos.preference.rest.RecommendationService/mp-rest/url=${downstream}`,
          ]
        : []),
    ],
  },
};

/** `java -version`'s first line (it prints to stderr), or undefined when there is no java to run. */
export function javaVersion(): string | undefined {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stderr}${result.stdout}`.split('\n')[0]?.trim() || undefined;
}

/** Why a variant cannot run here, or undefined: no java, or its jars not built. */
export function javaMissing(variant: JavaVariant): string | undefined {
  const missing = HOPS.map(VARIANTS[variant].jar).filter((jar) => !existsSync(jar));
  if (missing.length) return `not built (bench/references/java/build.sh, or ./pnpmw bench --java-only, builds it)`;
  return javaVersion() ? undefined : 'no java (JDK 17) on PATH';
}

/** Builds the jars (Maven, Maven Central only); build.sh returns at once when they are up to date. */
export function buildJavaRefs(log: (message: string) => void): void {
  log('building the Java references (bench/references/java/build.sh; skipped when up to date)');
  execFileSync(BUILD_SCRIPT, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, JAVA_REFS_OUT: JAVA_OUT } });
}

export interface JavaChainProcesses {
  readonly url: string;
  /** hop name -> pid of its java process (every thread of it counts in /proc/<pid>/stat). */
  readonly pids: Record<string, number>;
  stop(): Promise<void>;
}

interface JavaProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  stderrTail(): string;
}

function spawnJava(jar: string, props: string[]): JavaProcess {
  // JVM defaults, as upstream's images start them (no heap flags: run-java.sh sizes from a container limit, none here).
  // stdout (the request logs) goes nowhere, like the services'; the last of stderr is kept for a failed start.
  const child = spawn('java', [...props, '-jar', jar], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, stderrTail: () => tail };
}

async function stopJava(p: JavaProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.race([p.exited, sleep(10_000)]);
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.exited;
}

/** recommendation, then preference pointing at it, then customer: each ready before the next starts, as upstream deploys. */
export async function startJavaChain(variant: JavaVariant, readyTimeoutMs = 180_000): Promise<JavaChainProcesses> {
  const spec = VARIANTS[variant];
  const started: [Hop, JavaProcess][] = [];
  const stop = () => Promise.all(started.map(([, p]) => stopJava(p))).then(() => undefined);
  let downstream: string | undefined;
  try {
    for (const hop of [...HOPS].reverse()) {
      const port = await freePort();
      const p = spawnJava(spec.jar(hop), spec.props(hop, port, downstream));
      started.push([hop, p]);
      downstream = `http://127.0.0.1:${port}`;
      // A JVM on two busy cores can take tens of seconds to start.
      await waitReady(`${downstream}${spec.readyPath}`, p.child, {
        timeoutMs: readyTimeoutMs,
        pollMs: 100,
        detail: () => p.stderrTail().trim(),
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: downstream!, pids: Object.fromEntries(started.map(([hop, p]) => [hop, p.child.pid!])), stop };
}
