// MESH_STEP, the step the mesh container starts on: one or more values files or example names, as `mesh up -f` takes.
export const DEFAULT_STEP = '02-mesh';

/** The `-f` values MESH_STEP names (comma- or space-separated, applied in order), or the one-line reason it names none. */
export function stepFiles(value: string | undefined): string[] | string {
  if (value === undefined) return [DEFAULT_STEP];
  const files = value.split(/[\s,]+/).filter(Boolean);
  if (!files.length) return `MESH_STEP is empty; name a step, e.g. MESH_STEP=${DEFAULT_STEP} (unset, it is ${DEFAULT_STEP})`;
  return files;
}
