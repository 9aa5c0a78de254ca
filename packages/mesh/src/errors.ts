// A failure the user can act on: printed as one line, never with a stack.
export class MeshError extends Error {
  override readonly name = 'MeshError';
}
