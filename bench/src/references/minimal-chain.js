// Reference (b): one hop of a minimal 3-hop chain with no features (Fastify + undici Pool only): the design's ceiling here.
// Started three times (NAME, PORT, DOWNSTREAM_URL); it does the same essential work as a service hop: parse the
// downstream's JSON chain, prepend itself, serialise. No logs, metrics, header propagation, validation or timeouts.
// Plain JavaScript, like the services' compiled dist: running .ts would add type stripping (~18 MB RSS, start time).
import Fastify from 'fastify';
import { Pool } from 'undici';

const name = process.env.NAME ?? 'hop';
const downstreamUrl = process.env.DOWNSTREAM_URL;
// The same pool settings as the kit's downstream client, so connection reuse is comparable.
const pool = downstreamUrl ? new Pool(downstreamUrl, { connections: 256, keepAliveTimeout: 4000 }) : undefined;
let hits = 0;

const app = Fastify({ logger: false });
app.get('/health/ready', async () => ({ status: 'UP' }));
app.get('/', async () => {
  hits += 1;
  const hop = { service: name, version: 'v1', host: `${name}-minimal`, hits, shadow: false, status: 200 };
  if (!pool) return { chain: [hop] };
  const response = await pool.request({ path: '/', method: 'GET', headers: { accept: 'application/json' } });
  const body = /** @type {{ chain: unknown[] }} */ (await response.body.json());
  return { chain: [hop, ...body.chain] };
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
