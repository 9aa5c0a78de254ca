// The mesh CLI's commands (up, apply, status, ...), one module each; main.ts runs them.
import { type CommandSet, defineCommand } from '@mesh-demo/workspace';
import { checkHostTools, ensureTools } from '../tools.ts';
import { downCommand } from './down.ts';
import { execCommand } from './exec.ts';
import { logsCommand } from './logs.ts';
import { soakCommand } from './soak.ts';
import { statusCommand } from './status.ts';
import { helmCommand, istioctlCommand, kubectlCommand } from './tool.ts';
import { applyCommand, upCommand } from './up.ts';
import { viewCommand } from './view.ts';

const toolsCommand = defineCommand({
  name: 'tools',
  summary: 'fetch Envoy and build Kubernetes, Istio and the rest now (up does it when needed)',
  async run() {
    const tools = await ensureTools((line) => console.log(`mesh: ${line}`));
    await checkHostTools();
    for (const [name, path] of Object.entries(tools)) console.log(`  ${name.padEnd(17)} ${path}`);
    return 0;
  },
});

export const MESH: CommandSet = {
  name: 'mesh',
  summary: "the chart's steps on a real local mesh",
  commands: [
    upCommand,
    applyCommand,
    statusCommand,
    logsCommand,
    execCommand,
    viewCommand,
    soakCommand,
    kubectlCommand,
    helmCommand,
    istioctlCommand,
    downCommand,
    toolsCommand,
  ],
  footer: "STEP is a values file, or an example's name: 03a-blue-green-50-50, resilience-fault-delay, ...",
};
