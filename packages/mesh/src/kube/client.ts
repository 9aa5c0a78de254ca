// A small Kubernetes API client: a kubeconfig's server and client certificate, CRUD, server-side apply, and watches.
import { readFileSync } from 'node:fs';
import { Agent, type Dispatcher, request } from 'undici';
import { parse } from 'yaml';
import type { KubeObject } from '../kube.ts';

/** The API server's refusal, with its own words (a Status object's message) and HTTP status. */
export class KubeError extends Error {
  override readonly name = 'KubeError';
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

export interface WatchEvent<T extends KubeObject = KubeObject> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  readonly items: T[];
  readonly metadata: { resourceVersion: string };
}

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string } }[];
  users: {
    name: string;
    user: { 'client-certificate'?: string; 'client-certificate-data'?: string; 'client-key'?: string; 'client-key-data'?: string };
  }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

const pem = (file?: string, data?: string) =>
  data ? Buffer.from(data, 'base64').toString() : file ? readFileSync(file, 'utf8') : undefined;

export class KubeClient {
  readonly server: string;
  private readonly dispatcher: Dispatcher;

  constructor(server: string, dispatcher: Dispatcher) {
    this.server = server.replace(/\/$/, '');
    this.dispatcher = dispatcher;
  }

  /** A client with the identity of a kubeconfig's current context (files or inline data, as kubectl reads them). */
  static fromKubeconfig(path: string): KubeClient {
    const config = parse(readFileSync(path, 'utf8')) as Kubeconfig;
    const context = config.contexts.find((c) => c.name === config['current-context'])?.context;
    const cluster = config.clusters.find((c) => c.name === context?.cluster)?.cluster;
    const user = config.users.find((u) => u.name === context?.user)?.user;
    if (!cluster || !user) throw new Error(`${path}: no cluster or user for context ${config['current-context']}`);
    const ca = pem(cluster['certificate-authority'], cluster['certificate-authority-data']);
    const cert = pem(user['client-certificate'], user['client-certificate-data']);
    const key = pem(user['client-key'], user['client-key-data']);
    // Watches are long-lived: no body timeout; a dead server is found by the caller's own deadline or a reconnect.
    const agent = new Agent({ connect: { ca, cert, key }, bodyTimeout: 0, headersTimeout: 30_000 });
    return new KubeClient(cluster.server, agent);
  }

  /** One API call; a non-2xx answer throws KubeError with the server's message. */
  async call<T>(method: Dispatcher.HttpMethod, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const response = await request(`${this.server}${path}`, {
      method,
      dispatcher: this.dispatcher,
      headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': contentType }) },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) {
      let status: { reason?: string; message?: string } = {};
      try {
        status = JSON.parse(text) as typeof status;
      } catch {
        // not a Status object: the text is the message
      }
      throw new KubeError(response.statusCode, status.reason ?? '', status.message ?? (text.trim() || `HTTP ${response.statusCode}`));
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T extends KubeObject>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  /** The object, or undefined when it does not exist (404). */
  async find<T extends KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof KubeError && error.status === 404) return undefined;
      throw error;
    }
  }

  list<T extends KubeObject>(path: string): Promise<ObjectList<T>> {
    return this.call<ObjectList<T>>('GET', path);
  }

  create<T extends KubeObject>(path: string, object: KubeObject): Promise<T> {
    return this.call<T>('POST', path, object);
  }

  /** A JSON merge patch (RFC 7386), e.g. a status update through the status subresource. */
  patch<T extends KubeObject>(path: string, patch: unknown): Promise<T> {
    return this.call<T>('PATCH', path, patch, 'application/merge-patch+json');
  }

  /** Server-side apply, as `kubectl apply --server-side --force-conflicts --field-manager=<manager>`. */
  apply<T extends KubeObject>(path: string, object: KubeObject, manager: string): Promise<T> {
    return this.call<T>('PATCH', `${path}?fieldManager=${encodeURIComponent(manager)}&force=true`, object, 'application/apply-patch+yaml');
  }

  delete(path: string, options: Record<string, unknown> = {}): Promise<unknown> {
    return this.call('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', ...options });
  }

  /**
   * Lists then watches `path` (a collection, with any selectors in its query), calling `onEvent` for every object as
   * ADDED first, then each change; resumes from the last resourceVersion after a dropped stream, and lists again after a
   * 410 Gone. Resolves when `signal` aborts.
   */
  async watch<T extends KubeObject>(path: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const separator = path.includes('?') ? '&' : '?';
    let version = '';
    while (!signal.aborted) {
      try {
        if (!version) {
          const list = await this.list<T>(path);
          for (const object of list.items) onEvent({ type: 'ADDED', object });
          version = list.metadata.resourceVersion;
        }
        version = await this.stream<T>(
          `${path}${separator}watch=1&allowWatchBookmarks=true&resourceVersion=${version}`,
          onEvent,
          signal,
          version,
        );
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof KubeError && error.status === 410) version = '';
        // The server restarting (or not up yet): try again shortly, from where we were.
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async stream<T extends KubeObject>(
    path: string,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
    since: string,
  ): Promise<string> {
    const response = await request(`${this.server}${path}`, { method: 'GET', dispatcher: this.dispatcher, signal });
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      throw new KubeError(response.statusCode, '', text.trim());
    }
    let version = since;
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (!line) continue;
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === 'ERROR') {
          const status = event.object as unknown as { code?: number; message?: string };
          throw new KubeError(status.code ?? 500, '', status.message ?? 'watch error');
        }
        version = (event.object.metadata as { resourceVersion?: string }).resourceVersion ?? version;
        if (event.type !== 'BOOKMARK') onEvent(event);
      }
    }
    return version;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
