// undici's Pool and its request(), imported from their own files rather than the package index.
// Why: the index also loads fetch, WebSocket, the caches and the mocks, which no service uses: ~0.4 MB of every bundle
// and ~7 MB of every service's RSS (measured when this was written, commit e30efe6; see README.md here). The index is
// also what puts request() on every dispatcher's prototype, so the kit calls that function itself, on whichever
// dispatcher it has (a Pool, or a test's MockAgent).
// undici has no exports map, so these files are reachable as they are; the catalog pins the version, and the unit and
// e2e tests exercise both.
/// <reference path="./undici-pool-module.d.ts" />
import type { Dispatcher, Pool as UndiciPool } from 'undici';
import requestFunction from 'undici/lib/api/api-request.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';

export const Pool = PoolClass as typeof UndiciPool;

/** `dispatcher.request(options)`, without needing undici's index to have extended the dispatcher's prototype. */
export function request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return requestFunction.call(dispatcher, options);
}
