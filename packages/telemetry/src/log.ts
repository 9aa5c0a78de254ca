// Telemetry's own log lines as JSON in the shape of the services' pino lines, so every line a service writes is JSON.
import { hostname } from 'node:os';
import { versionOf } from './resource.ts';

type Env = Readonly<Record<string, string | undefined>>;

export type Level = 'error' | 'warn' | 'info' | 'debug';
export type Fields = Readonly<Record<string, unknown>>;
export type Log = (level: Level, msg: string, fields?: Fields) => void;

/** pino's numbers, so `pnpm start`'s formatter and any log pipeline read these lines like the app's. */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * The base fields the kit's logger puts on every line (service, version, host), read from the same env, and LOG_LEVEL's
 * threshold: telemetry starts before the app, so it cannot borrow the app's logger, but its lines must look the same.
 */
export function jsonLog(env: Env, service: string | undefined, write: (line: string) => void = (line) => process.stdout.write(line)): Log {
  const threshold = LEVELS[env.LOG_LEVEL?.trim().toLowerCase() ?? ''] ?? LEVELS.info!;
  const base: Record<string, unknown> = {
    ...(service && { service }),
    version: versionOf(env),
    host: env.HOSTNAME?.trim() || hostname(),
  };
  return (level, msg, fields = {}) => {
    const value = LEVELS[level]!;
    if (value < threshold) return;
    write(`${JSON.stringify({ level: value, time: Date.now(), ...base, ...fields, msg })}\n`);
  };
}
