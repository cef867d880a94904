import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/build.js';

/**
 * Every relative link in the README, CONTRIBUTING, CHANGELOG and docs/ names a file that exists.
 * Pages other branches add are allowed to be missing until they land.
 */
const LANDING_ELSEWHERE = new Set(['docs/allowlist.md', 'docs/ecs.md']);

const pages = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('links in the documentation', () => {
  it('every relative link names a file of the repository', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue;
        const file = relative(ROOT, join(ROOT, dirname(page), target));
        if (!existsSync(join(ROOT, file)) && !LANDING_ELSEWHERE.has(file))
          broken.push(`${page} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
