// The third-party notices of the bundle: esbuild strips the license comments of what it bundles (the
// AWS SDK is Apache-2.0, whose section 4 asks that its license and NOTICE travel with it), so the
// build writes, for every package whose files went into dist/ (from esbuild's metafiles), its name,
// version, license, and the text of its LICENSE and NOTICE files, to dist/THIRD-PARTY-LICENSES.txt.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The package folders (under node_modules) that the builds' inputs come from. */
export function bundledPackages(metafiles, root) {
  const dirs = new Set();
  for (const meta of metafiles)
    for (const input of Object.keys(meta.inputs)) {
      const parts = input.split(/[\\/]/);
      const at = parts.lastIndexOf('node_modules');
      if (at < 0) continue;
      const length = parts[at + 1]?.startsWith('@') ? 2 : 1;
      dirs.add(join(root, ...parts.slice(0, at + 1 + length)));
    }
  return [...dirs].sort();
}

const LICENSE_FILE = /^(licen[cs]e|copying)(\..*)?$/i;
const NOTICE_FILE = /^notice(\..*)?$/i;

/** The notices file's text for these package folders. */
export async function noticesText(dirs) {
  const seen = new Set();
  const sections = [];
  /** The first package with a license file, by the license it declares. */
  const textOf = new Map();
  for (const dir of dirs) {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const id = `${pkg.name}@${pkg.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const files = (await readdir(dir)).sort();
    const texts = [];
    for (const name of files.filter((f) => LICENSE_FILE.test(f) || NOTICE_FILE.test(f)))
      texts.push(`--- ${name} ---\n${(await readFile(join(dir, name), 'utf8')).trim()}`);
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'see below');
    if (texts.length === 0)
      texts.push(
        `(the package ships no license file; its package.json declares ${license}${
          textOf.has(license) ? `, whose text is given above under ${textOf.get(license)}` : ''
        })`,
      );
    else if (!textOf.has(license)) textOf.set(license, id);
    sections.push(
      `${id} (${license})${pkg.repository ? `\n${pkg.repository.url ?? pkg.repository}` : ''}\n\n${texts.join('\n\n')}`,
    );
  }
  const rule = `\n\n${'='.repeat(78)}\n\n`;
  return `fixed-ip bundles the packages below into dist/. Their licenses and notices follow, one package
each: ${sections.length} packages.${rule}${sections.join(rule)}\n`;
}

export const NOTICES_FILE = 'THIRD-PARTY-LICENSES.txt';
