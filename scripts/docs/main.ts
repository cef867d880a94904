/**
 * `npm run docs`: writes the generated pages of docs/ (scripts/docs/pages.ts). With `--check`, writes
 * nothing and exits 1 naming the pages that differ.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { generatedPages, REGENERATE } from './pages.js';

const root = new URL('../../', import.meta.url);
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [path, text] of await generatedPages()) {
  const file = new URL(path, root);
  const old = await readFile(file, 'utf8').catch(() => undefined);
  if (old === text) continue;
  stale.push(path);
  if (!check) await writeFile(file, text);
}
process.stdout.write(
  stale.length === 0
    ? 'docs: the generated pages are up to date\n'
    : `docs: ${check ? 'stale' : 'wrote'} ${stale.join(', ')}${check ? `; run \`${REGENERATE}\`` : ''}\n`,
);
process.exitCode = check && stale.length > 0 ? 1 : 0;
