// Turns a service's pino JSON line into one short readable line for a terminal; anything else passes through.
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'msg', 'service', 'version', 'host', 'port', 'pid', 'hostname']);

export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.level !== 'number') return line;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = LEVELS[entry.level] ?? String(entry.level);
  let text: string;
  if (entry.msg === 'request') {
    text = `${entry.method} ${entry.url} ${entry.status} ${entry.ms}ms${entry.shadow ? ' shadow' : ''} id=${entry.request_id}${entry.trace_id ? ` trace=${entry.trace_id}` : ''}`;
  } else {
    const extra = Object.entries(entry)
      .filter(([key]) => !SHOWN_ELSEWHERE.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    text = [entry.msg, ...extra].filter(Boolean).join(' ');
  }
  return `${time} ${level} ${text}`;
}
