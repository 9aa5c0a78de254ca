// istiod's /debug/syncz read: which proxies lag behind its last push, and which pushes an Envoy rejected (NACKed).

/** One proxy's xDS state from /debug/syncz: what istiod sent and what the proxy acknowledged, per type. */
export interface ProxySync {
  readonly proxy: string;
  readonly proxy_type?: string;
  readonly resources?: Record<string, { sent?: string; acked?: string; sentTime?: string; lastError?: string }>;
  readonly [field: string]: unknown;
}

/** A config push a proxy's Envoy refused, with Envoy's reason (it names the listener, cluster or route). */
export interface Rejection {
  readonly proxy: string;
  readonly type: string;
  readonly error: string;
  /** The nonce of the push not yet acknowledged: the rejected one, or one sent after it and not yet answered. */
  readonly sent?: string;
}

/** The types a proxy must have acknowledged for its config to be the one istiod sent last. */
const XDS_TYPES = ['cluster', 'listener', 'route', 'endpoint'] as const;

/** Proxies that have not acknowledged everything istiod sent them (still catching up, or rejecting it). */
export function unsynced(proxies: readonly ProxySync[]): string[] {
  return proxies.filter((p) => XDS_TYPES.some((type) => p[`${type}_sent`] !== p[`${type}_acked`])).map((p) => p.proxy);
}

/**
 * Every push an Envoy rejected (NACKed) that is still the latest of its type: istiod keeps `lastError` after a later
 * push is accepted, so only an error whose push was never acknowledged (sent != acked) is a rejection in force.
 * istiod records no nonce with the error, so for the moment between a new push and its ACK the error of the push
 * before still shows here: `lastingRejections` tells the two apart.
 * `sentSince` (epoch ms) keeps only pushes sent since then, e.g. since a step was applied.
 */
export function rejections(proxies: readonly ProxySync[], sentSince?: number): Rejection[] {
  return proxies.flatMap((p) =>
    Object.entries(p.resources ?? {})
      .filter(([, status]) => status.lastError && status.sent !== status.acked)
      .filter(([, status]) => sentSince === undefined || (status.sentTime !== undefined && Date.parse(status.sentTime) >= sentSince))
      .map(([type, status]) => ({
        proxy: p.proxy,
        type: type.split('.').pop() ?? type,
        error: status.lastError!,
        ...(status.sent !== undefined && { sent: status.sent }),
      })),
  );
}

/** How long one push must stay rejected before it counts: Envoy answers a push within milliseconds, ACK or NACK. */
export const REJECTION_SETTLE_MS = 1000;

/**
 * Rejections that stayed on the same push (proxy, type, nonce) for `settleMs`, as a caller polling syncz sees them.
 * `seen` (first sight of each, epoch ms) lives across the polls of one wait.
 */
export function lastingRejections(
  rejected: readonly Rejection[],
  seen: Map<string, number>,
  now: number,
  settleMs = REJECTION_SETTLE_MS,
): Rejection[] {
  return rejected.filter((r) => {
    const key = `${r.proxy}|${r.type}|${r.sent ?? ''}`;
    const first = seen.get(key) ?? now;
    seen.set(key, first);
    return now - first >= settleMs;
  });
}
