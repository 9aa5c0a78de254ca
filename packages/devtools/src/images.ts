// `./pnpmw images <command>`: the service images beyond this machine; `push` puts all four in a registry a cluster can pull from.

import { type CommandLine, commandLine } from './cli.ts';
import { BadValue, UsageError } from './image-refs.ts';
import { push } from './images-push.ts';

// Typed, so TypeScript knows cli.fail never returns.
const cli: CommandLine = commandLine(
  'images',
  (command) => `usage: ${command} push --registry REGISTRY [--tag TAG] [--engine docker|podman]
  --registry REGISTRY   where the images go: host[:port][/path], e.g. quay.io/mesh-demo or 127.0.0.1:5000/mesh-demo
  --tag TAG             default: the chart's appVersion (charts/mesh-demo/Chart.yaml)
  --engine ENGINE       docker or podman (default: docker if \`docker info\` answers, else podman)
Builds the four images from the Dockerfile, tags each REGISTRY/<service>:TAG, pushes them and prints each pushed
reference with the digest the registry gave it: REGISTRY/<service>@sha256:...  Log in to the registry first.
Environment: DOCKER (the docker client), DOCKER_HOST, BASE_IMAGE (the Dockerfile's build argument).`,
);

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || ['help', '--help', '-h'].includes(command) || rest.includes('--help') || rest.includes('-h')) {
  console.log(cli.usage);
  process.exit(0);
}
try {
  if (command === 'push') await push(rest);
  else cli.fail(`unknown command ${command}`);
} catch (error) {
  if (error instanceof UsageError) cli.fail(error.message);
  // One line, never a stack: a wrong value exits 2 like a wrong option, a failed build or push exits 1.
  console.error(`images: ${(error as Error).message.split('\n')[0]}`);
  process.exitCode = error instanceof BadValue ? 2 : 1;
}
