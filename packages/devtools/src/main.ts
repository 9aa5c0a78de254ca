// The developer CLI's one entry: `node packages/devtools/src/main.ts <command> [options]`, what package.json's scripts run.
import { runEntry } from '@mesh-demo/workspace';
import { DEVTOOLS_COMMANDS } from './commands/index.ts';

const [name = '', ...args] = process.argv.slice(2);
const load = Object.hasOwn(DEVTOOLS_COMMANDS, name) ? DEVTOOLS_COMMANDS[name] : undefined;
if (!load) {
  const names = Object.keys(DEVTOOLS_COMMANDS).join(', ');
  console.error(`devtools: ${name ? `unknown command ${name}` : 'name a command'}: one of ${names}`);
  process.exitCode = 2;
} else {
  process.exitCode = await runEntry(await load(), args, Boolean(process.env.MESH_DEBUG));
}
