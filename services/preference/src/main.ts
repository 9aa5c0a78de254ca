// preference process entry: config from env, start, graceful shutdown (all in the kit's run).
import { run } from '@mesh-demo/kit';
import { buildApp, definition } from './app.ts';

await run(definition, buildApp);
