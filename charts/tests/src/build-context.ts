// Docker's own reading of a build context, to check the archive in-cluster builds upload: .dockerignore and COPY sources.

/** A .dockerignore pattern as Docker (moby's patternmatcher) compiles it: `*` and `?` stay within a directory, `**` crosses them. */
export function dockerPattern(pattern: string): RegExp {
  if (/[[\\]/.test(pattern)) throw new Error(`pattern ${pattern}: character classes and escapes are not handled here`);
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') i++;
      // `**/` is any number of directories, none included; a trailing `**` is anything at all.
      regex += i + 1 === pattern.length ? '.*' : '(.*/)?';
    } else if (c === '*') regex += '[^/]*';
    else if (c === '?') regex += '[^/]';
    else regex += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${regex}$`);
}

/** The patterns of a .dockerignore, in order; exceptions (`!`) are refused rather than half-handled. */
export function dockerignoreRules(text: string): RegExp[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      if (line.startsWith('!')) throw new Error(`.dockerignore exception ${line} is not handled here`);
      return dockerPattern(line.replace(/^\/+/, '').replace(/\/+$/, ''));
    });
}

/** Whether the pattern matches the path or one of its directories: Docker leaves out a matched directory whole. */
export function matchesOrParent(pattern: RegExp, path: string): boolean {
  const parts = path.split('/');
  return parts.some((_, i) => pattern.test(parts.slice(0, i + 1).join('/')));
}

/** The files `docker build .` sends: every one of `files` that no .dockerignore pattern leaves out. */
export function buildContext(files: readonly string[], rules: readonly RegExp[]): string[] {
  return files.filter((file) => !rules.some((rule) => matchesOrParent(rule, file)));
}

/** The context paths of every COPY and ADD of a Dockerfile (not those from another stage or image, nor ADD's URLs). */
export function copySources(dockerfile: string): string[] {
  const sources: string[] = [];
  for (const line of dockerfile.replace(/\\\r?\n/g, ' ').split('\n')) {
    const instruction = /^\s*(COPY|ADD)\s+(.+)$/i.exec(line);
    if (!instruction) continue;
    const rest = instruction[2]!.trim();
    const words: string[] = rest.startsWith('[') ? JSON.parse(rest) : rest.split(/\s+/);
    const flags = words.filter((word) => word.startsWith('--'));
    if (flags.some((flag) => flag.startsWith('--from='))) continue;
    const paths = words.filter((word) => !word.startsWith('--')).slice(0, -1);
    sources.push(...paths.filter((path) => !/^(https?|git):\/\/|^git@/.test(path)));
  }
  return sources;
}

/**
 * What is wrong with an archive as the build's context, one line each: a COPY source it holds nothing of, a file of the
 * context a COPY source reads that it lacks, and a file it uploads that Docker's context leaves out.
 */
export function archiveProblems(dockerfile: string, context: readonly string[], archive: readonly string[]): string[] {
  const uploaded = new Set(archive);
  const inContext = new Set(context);
  const problems: string[] = [];
  for (const source of copySources(dockerfile)) {
    const path = source.replace(/^\.\//, '').replace(/\/+$/, '');
    const pattern = path === '' || path === '.' ? /^/ : dockerPattern(path);
    const reads = (file: string) => matchesOrParent(pattern, file);
    if (!archive.some(reads)) problems.push(`COPY ${source}: nothing of it in the archive`);
    const missing = context.filter((file) => reads(file) && !uploaded.has(file));
    if (missing.length)
      problems.push(`COPY ${source}: missing from the archive: ${missing.length} files, e.g. ${missing.slice(0, 3).join(', ')}`);
  }
  const extra = archive.filter((file) => !inContext.has(file));
  if (extra.length)
    problems.push(`uploaded though .dockerignore leaves them out: ${extra.length} files, e.g. ${extra.slice(0, 3).join(', ')}`);
  return problems;
}
