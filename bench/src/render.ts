// Re-renders RESULTS.md and scaling.svg from an existing results.json (after a change to the report), without measuring.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMarkdown } from './report.ts';
import type { Results } from './results.ts';
import { renderScalingSvg } from './svg.ts';

const dir = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
writeFileSync(join(dir, 'RESULTS.md'), renderMarkdown(results));
writeFileSync(join(dir, 'scaling.svg'), renderScalingSvg(results));
console.log(`render: wrote RESULTS.md and scaling.svg in ${dir}`);
