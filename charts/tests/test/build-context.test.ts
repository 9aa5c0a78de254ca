// The archive in-cluster builds upload (tools/build-context.sh) is the Dockerfile's build context: every COPY source, nothing else.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { archiveProblems, buildContext, copySources, dockerignoreRules, dockerPattern, matchesOrParent } from '../src/build-context.ts';
import { repoRoot } from '../src/render.ts';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const lines = (text: string) => text.split('\n').filter(Boolean);

describe('the archive of tools/build-context.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-demo-build-context-'));
  let archive: string[] = [];
  let context: string[] = [];

  before(() => {
    const tar = join(dir, 'context.tar');
    execFileSync('bash', [join(repoRoot, 'tools/build-context.sh'), tar], { stdio: 'pipe' });
    archive = lines(execFileSync('tar', ['-tf', tar], { encoding: 'utf8' })).filter((member) => !member.endsWith('/'));
    // The script archives the checked-out commit, so the context is read from the same tree.
    const tracked = lines(execFileSync('git', ['ls-tree', '-r', '--name-only', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }));
    context = buildContext(tracked, dockerignoreRules(readFileSync(join(repoRoot, '.dockerignore'), 'utf8')));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('holds every COPY source of the Dockerfile, and exactly the files `docker build .` sends', () => {
    // What the check goes by: the Dockerfile's own COPY lines (the runtime stage's come from the build stage).
    assert.deepEqual(copySources(dockerfile), ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.']);
    assert.deepEqual(archiveProblems(dockerfile, context, archive), []);
  });

  test('uploads the workspace sources without node_modules, .tools, .git, tests, e2e, docs or the chart', () => {
    assert.ok(archive.includes('services/customer/src/main.ts') && archive.includes('pnpm-lock.yaml'), archive.join(' '));
    const unread = archive.filter((f) => /(^|\/)(node_modules|dist|test)\/|\.test\.ts$|^(\.tools|\.git|e2e|bench|docs|charts)\//.test(f));
    assert.deepEqual(unread, []);
  });

  test('a Dockerfile COPY of a path the archive lacks is caught (negative control)', () => {
    const copiesMore = `${dockerfile}\nCOPY docs/containers.md ./docs/\n`;
    assert.deepEqual(archiveProblems(copiesMore, context, archive), ['COPY docs/containers.md: nothing of it in the archive']);
  });

  test('an archive short of part of the context, or carrying what .dockerignore leaves out, is caught (negative controls)', () => {
    const withoutServices = archive.filter((file) => !file.startsWith('services/'));
    assert.match(
      archiveProblems(dockerfile, context, withoutServices).join('\n'),
      /^COPY \.: missing from the archive: \d+ files, e\.g\. services\//,
    );
    assert.deepEqual(archiveProblems(dockerfile, context, [...archive, 'docs/containers.md']), [
      'uploaded though .dockerignore leaves them out: 1 files, e.g. docs/containers.md',
    ]);
  });
});

describe("Docker's .dockerignore patterns, as the check reads them", () => {
  const matches = (pattern: string, path: string) => matchesOrParent(dockerPattern(pattern), path);

  test('**/ is any number of directories, none included, and a matched directory takes its files along', () => {
    assert.equal(matches('**/test', 'packages/kit/test/a.ts'), true);
    assert.equal(matches('**/test', 'test/a.ts'), true);
    assert.equal(matches('**/*.test.ts', 'services/customer/src/a.test.ts'), true);
    assert.equal(matches('**/test', 'packages/kit/testing.ts'), false);
  });

  test('* and ? never cross a /, and a name matches whole', () => {
    assert.equal(matches('*.md', 'README.md'), true);
    assert.equal(matches('*.md', 'packages/kit/README.md'), false);
    assert.equal(matches('docker-compose*.yml', 'docker-compose.yml'), true);
    assert.equal(matches('a?c', 'abc'), true);
    assert.equal(matches('a?c', 'a/c'), false);
    assert.equal(matches('e2e', 'e2e/mesh/a.ts'), true);
    assert.equal(matches('e2e', 'e2e-notes/a.ts'), false);
  });
});
