// Health checks of the control plane's processes: an HTTP(S) GET answered 200, with the client certificate it needs.
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet, type RequestOptions } from 'node:https';

/** Resolves true when the part answers as healthy; never rejects (a refused connection is just "not yet"). */
export type HealthCheck = () => Promise<boolean>;

/** A CA to verify the server with and, where the endpoint needs one, a client certificate (PEM files). */
export interface TlsFiles {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/**
 * GET `url`, healthy on 200. `tls` verifies the server against our CA (and presents a client certificate);
 * 'self-signed' accepts the certificate a component made for itself on loopback (the controller-manager's and the
 * scheduler's secure ports), as kubeadm's HTTPS probes of them do.
 */
export function httpOk(url: string, tls?: TlsFiles | 'self-signed'): HealthCheck {
  let options: RequestOptions | undefined;
  const tlsOptions = (): RequestOptions => {
    if (tls === undefined) return {};
    if (tls === 'self-signed') return { rejectUnauthorized: false };
    options ??= {
      ca: readFileSync(tls.ca),
      ...(tls.cert && { cert: readFileSync(tls.cert) }),
      ...(tls.key && { key: readFileSync(tls.key) }),
    };
    return options;
  };
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return () =>
    new Promise((resolve) => {
      let request: ReturnType<typeof get>;
      try {
        // A fresh connection each time (no agent): checks are few, and no socket is left to hold the process open.
        request = get(url, { ...tlsOptions(), agent: false, timeout: 2_000 }, (response) => {
          response.resume();
          resolve(response.statusCode === 200);
        });
      } catch {
        return resolve(false);
      }
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(false));
    });
}
