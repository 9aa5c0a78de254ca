// The local mesh's one host requirement, checked before any command touches namespaces or iptables.
import { MeshError } from '../errors.ts';

/** Root on Linux: the mesh makes network namespaces and iptables rules, as a node's CNI plugin does. */
export function requireRootOnLinux(): void {
  if (process.platform !== 'linux')
    throw new MeshError('the local mesh needs Linux (pods are network namespaces); on macOS run it in a Linux VM');
  if (process.getuid?.() !== 0) {
    throw new MeshError(
      'the local mesh needs root: it creates network namespaces and iptables rules as a node would. Run: sudo env "PATH=$PATH" ./pnpmw mesh up',
    );
  }
}
