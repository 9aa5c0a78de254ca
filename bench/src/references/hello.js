// Reference (a): one Fastify hello on one hop, no downstream, no logger: what one Node process answers at most here.
// Plain JavaScript, like the services' compiled dist, so its start time and memory carry no type-stripping cost.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => 'hello\n');
app.get('/health/ready', async () => ({ status: 'UP' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
