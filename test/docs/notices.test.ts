import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from '../e2e/build.js';

/**
 * The bundle strips the license comments of what it bundles, so the build ships their licenses and
 * notices in dist/THIRD-PARTY-LICENSES.txt. Which packages went into dist/ is read here from the
 * bundles' source maps, not from what the build used to write the file.
 */

const DIST = join(ROOT, 'dist');
let notices = '';

beforeAll(async () => {
  await ensureBuilt();
  notices = readFileSync(join(DIST, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
}, 300_000);

/** "name@version" of each package under node_modules that a dist/ source map names. */
function packagesInMaps(): string[] {
  const maps = [
    ...readdirSync(DIST)
      .filter((f) => f.endsWith('.js.map'))
      .map((f) => join(DIST, f)),
    ...readdirSync(join(DIST, 'chunks'))
      .filter((f) => f.endsWith('.js.map'))
      .map((f) => join(DIST, 'chunks', f)),
  ];
  const dirs = new Set<string>();
  for (const map of maps)
    for (const source of (JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }).sources) {
      const parts = source.split('/');
      const at = parts.lastIndexOf('node_modules');
      if (at < 0) continue;
      const length = parts[at + 1]?.startsWith('@') ? 2 : 1;
      dirs.add(join(dirname(map), ...parts.slice(0, at + 1 + length)));
    }
  return [...dirs].map((dir) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    return `${pkg.name}@${pkg.version}`;
  });
}

describe('dist/THIRD-PARTY-LICENSES.txt', () => {
  it('names every package the bundles hold, with its version', () => {
    const bundled = packagesInMaps();
    expect(bundled.length).toBeGreaterThan(20);
    const missing = bundled.filter((id) => !notices.includes(`\n${id} (`));
    expect(missing).toEqual([]);
  });

  it("carries the AWS SDK's Apache-2.0 text and the MIT texts of commander and zod", () => {
    expect(notices).toMatch(/\n@aws-sdk\/client-ec2@[\d.]+ \(Apache-2\.0\)/);
    expect(notices).toContain('Apache License\n                           Version 2.0, January 2004');
    const commander = notices.slice(notices.indexOf('\ncommander@'));
    expect(commander).toMatch(/^\ncommander@[\d.]+ \(MIT\)[\s\S]*?Permission is hereby granted/);
    expect(notices).toMatch(/\nzod@[\d.]+ \(MIT\)/);
  });
});
