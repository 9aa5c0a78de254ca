// A failure the user can act on: printed as one line, never with a stack.
import { CommandError } from '@mesh-demo/workspace';

export class MeshError extends CommandError {
  override readonly name = 'MeshError';
}
