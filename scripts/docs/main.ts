/**
 * `npm run docs`: writes the generated pages of docs/ (scripts/docs/pages.ts). With `--check`, writes
 * nothing and exits 1 naming the pages that differ.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { generatedPages, REGENERATE } from './pages.js';

const root = new URL('../../', import.meta.url);
const check = process.argv.includes('--check');
const stale: string[] = [];
const pages = await generatedPages();
for (const [path, text] of pages) {
  const file = new URL(path, root);
  const old = await readFile(file, 'utf8').catch(() => undefined);
  if (old === text) continue;
  stale.push(path);
  if (!check) {
    await mkdir(new URL('.', file), { recursive: true });
    await writeFile(file, text);
  }
}
// A schema of a command that is gone (or renamed) goes too.
const schemas = 'docs/json-schema/';
for (const name of await readdir(new URL(schemas, root)).catch(() => [])) {
  if (pages.has(`${schemas}${name}`)) continue;
  stale.push(`${schemas}${name} (no longer generated)`);
  if (!check) await rm(new URL(`${schemas}${name}`, root));
}
process.stdout.write(
  stale.length === 0
    ? 'docs: the generated pages are up to date\n'
    : `docs: ${check ? 'stale' : 'wrote'} ${stale.join(', ')}${check ? `; run \`${REGENERATE}\`` : ''}\n`,
);
process.exitCode = check && stale.length > 0 ? 1 : 0;
