// `./pnpmw images <command>`: the service images beyond this machine; `push` puts all four in a registry a cluster can pull from.
import { CommandError, type CommandSet, defineCommand } from '@mesh-demo/workspace';
import { BadValue, pushOptions, UsageError } from '../image-refs.ts';
import { defaultTag, push } from '../images-push.ts';

const pushCommand = defineCommand({
  name: 'push',
  summary: 'builds the four images and pushes them to REGISTRY',
  synopsis: '--registry REGISTRY [--tag TAG] [--engine docker|podman]',
  details: () => `  --registry REGISTRY   where the images go: host[:port][/path], e.g. quay.io/mesh-demo or 127.0.0.1:5000/mesh-demo
  --tag TAG             default: the chart's appVersion (charts/mesh-demo/Chart.yaml)
  --engine ENGINE       docker or podman (default: docker if \`docker info\` answers, else podman)
Builds the four images from the Dockerfile, tags each REGISTRY/<service>:TAG, pushes them and prints each pushed
reference with the digest the registry gave it: REGISTRY/<service>@sha256:...  Log in to the registry first.
Environment: DOCKER (the docker client), DOCKER_HOST, BASE_IMAGE (the Dockerfile's build argument).`,
  options: { registry: { type: 'string' }, tag: { type: 'string' }, engine: { type: 'string' } },
  async run({ values, fail }) {
    let options: ReturnType<typeof pushOptions>;
    try {
      options = pushOptions(values, defaultTag);
    } catch (error) {
      if (error instanceof UsageError) return fail(error.message);
      // A wrong value exits 2 like a wrong option, but with one line: the usage would not say more than the message.
      if (error instanceof BadValue) {
        console.error(`images: ${error.message}`);
        return 2;
      }
      throw error;
    }
    await push(options).catch((error: Error) => {
      throw new CommandError(error.message.split('\n')[0]);
    });
    return 0;
  },
});

/** `images` is a CLI of its own commands (one so far). */
export const images: CommandSet = {
  name: 'images',
  summary: 'the service images beyond this machine: images push',
  commands: [pushCommand],
};
