// Reads traces from a Jaeger query API (/api/...): one by id, the one that started last, or the one of a request id.
import type { JaegerTrace } from './trace-tree.ts';

/** Envoy's tag for the request id, which the services' server spans carry too. */
export const REQUEST_ID_TAG = 'guid:x-request-id';

/** A problem to print as one line (no stack): Jaeger not there, not Jaeger, or no such trace. */
export class QueryError extends Error {}

/** Why a fetch failed, in the words of the socket: ECONNREFUSED, ENOTFOUND, a timeout. */
function cause(error: unknown): string {
  const inner = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'no answer within 5 s';
  return inner?.code ?? inner?.message ?? (error as Error).message;
}

export interface JaegerQuery {
  readonly url: string;
  /** Services that have reported spans so far. */
  services(): Promise<string[]>;
  /**
   * The trace with this id, or undefined when Jaeger has none. T is the caller's view of Jaeger's JSON trace (the e2e
   * tests read fields the tree does not); it is not checked.
   */
  trace<T = JaegerTrace>(traceId: string): Promise<T | undefined>;
  /** The trace that started last, of one service or of all; undefined when Jaeger has no trace. */
  last(service?: string): Promise<JaegerTrace | undefined>;
  /** The latest trace whose spans carry this x-request-id, with how many traces carry it. */
  byRequestId(requestId: string): Promise<{ trace: JaegerTrace; count: number } | undefined>;
}

const startOf = (trace: JaegerTrace) => Math.min(...trace.spans.map((s) => s.startTime));

export function jaegerQuery(base: string): JaegerQuery {
  const url = base.replace(/\/+$/, '');

  async function get<T>(path: string): Promise<{ status: number; body: T | undefined }> {
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
    } catch (error) {
      throw new QueryError(`no Jaeger query API at ${url} (${cause(error)})`);
    }
    const text = await response.text();
    let body: T | undefined;
    try {
      body = JSON.parse(text) as T;
    } catch {
      throw new QueryError(
        `${url} does not look like Jaeger's query API: GET ${path.split('?')[0]} answered ${response.status} with something that is not JSON`,
      );
    }
    if (!response.ok && response.status !== 404) {
      const errors = (body as { errors?: Array<{ msg?: string }> } | undefined)?.errors;
      throw new QueryError(
        `Jaeger at ${url} answered ${response.status} to GET ${path.split('?')[0]}${errors?.[0]?.msg ? `: ${errors[0].msg}` : ''}`,
      );
    }
    return { status: response.status, body };
  }

  async function services(): Promise<string[]> {
    const { body } = await get<{ data?: string[] | null }>('/api/services');
    return body?.data ?? [];
  }

  async function search(service: string, tags?: Record<string, string>): Promise<JaegerTrace[]> {
    const query = new URLSearchParams({ service, limit: '20', ...(tags && { tags: JSON.stringify(tags) }) });
    const { body } = await get<{ data?: JaegerTrace[] | null }>(`/api/traces?${query}`);
    return (body?.data ?? []).filter((t) => t.spans.length > 0);
  }

  /** Every trace found for any of the services, once each, latest first. */
  async function searchAll(names: readonly string[], tags?: Record<string, string>): Promise<JaegerTrace[]> {
    const found = (await Promise.all(names.map((name) => search(name, tags)))).flat();
    const unique = new Map(found.map((t) => [t.traceID, t]));
    return [...unique.values()].sort((a, b) => startOf(b) - startOf(a));
  }

  return {
    url,
    services,
    async trace<T>(traceId: string) {
      const { status, body } = await get<{ data?: T[] | null }>(`/api/traces/${encodeURIComponent(traceId)}`);
      if (status === 404) return undefined;
      return body?.data?.[0];
    },
    async last(service) {
      const names = service ? [service] : await services();
      return (await searchAll(names))[0];
    },
    async byRequestId(requestId) {
      const found = await searchAll(await services(), { [REQUEST_ID_TAG]: requestId });
      return found[0] && { trace: found[0], count: found.length };
    },
  };
}
