import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedPages, REGENERATE } from '../../scripts/docs/pages.js';
import { DEFAULT_SCOPES, policyFor } from '../../src/engine/iam-policy.js';
import { COMMAND_JSON, jsonSchemaOf } from '../../src/json-schemas.js';

/**
 * The generated pages of docs/ are what the code says today: a new flag, error code, policy
 * statement or price changes a page, and this fails until `npm run docs` is run.
 */

const root = new URL('../../', import.meta.url);
const onDisk = (path: string): string | undefined => {
  try {
    return readFileSync(new URL(path, root), 'utf8');
  } catch {
    return undefined;
  }
};

describe('docs/ generated from the code', () => {
  it('every generated page is up to date', async () => {
    const pages = await generatedPages();
    const schemas = [...pages.keys()].filter((path) => path.startsWith('docs/json-schema/'));
    expect([...pages.keys()].filter((path) => !schemas.includes(path)).sort()).toEqual([
      'docs/commands.md',
      'docs/iam-policy.md',
      'docs/json.md',
      'docs/nat-modes.md',
    ]);
    expect(schemas).toContain('docs/json-schema/state-move.schema.json');
    // No schema of a command that is gone lingers beside them.
    expect(
      readdirSync(new URL('docs/json-schema/', root))
        .map((name) => `docs/json-schema/${name}`)
        .sort(),
    ).toEqual([...schemas].sort());
    const stale = [...pages].filter(([path, text]) => onDisk(path) !== text).map(([path]) => path);
    expect(stale, `stale generated docs: run \`${REGENERATE}\` and commit the result`).toEqual([]);
  }, 60_000);

  it('the reference names every command and option the CLI parses, and every exit code', async () => {
    const commands = (await generatedPages()).get('docs/commands.md') ?? '';
    for (const flag of [
      '--keep-eip',
      '--wait <minutes>',
      '--to <path\\|s3-url>',
      '--for <command>',
      '--budget <usd>',
    ])
      expect(commands).toContain(`\`${flag}\``);
    for (const heading of ['## fixed-ip state move', '## fixed-ip iam-policy', '## Exit codes'])
      expect(commands).toContain(heading);
    expect(commands).toMatch(/\| 130 +\| Ctrl-C/);
    expect(commands).toMatch(/\| 4 +\|[^\n]*`NO_STACK`/);
  }, 60_000);

  it('the IAM page holds what iam-policy prints, the default policy first', async () => {
    const page = (await generatedPages()).get('docs/iam-policy.md') ?? '';
    const first = /```json\n([\s\S]*?)```/.exec(page);
    expect(JSON.parse(first?.[1] ?? '')).toEqual(policyFor(DEFAULT_SCOPES));
  }, 60_000);

  it("json.md's table links each command's schema, and each schema file is what src/json-schemas.ts makes", async () => {
    const pages = await generatedPages();
    const page = pages.get('docs/json.md') ?? '';
    expect(page).toMatch(
      /\| `fixed-ip state move` +\| \[state-move\.schema\.json\]\(json-schema\/state-move\.schema\.json\)/,
    );
    expect(page).toMatch(/\| any command, on failure +\| \[error\.schema\.json\]/);
    expect(JSON.parse(pages.get('docs/json-schema/status.schema.json') ?? '')).toEqual(
      jsonSchemaOf(COMMAND_JSON.status),
    );
  }, 60_000);

  it('the cost table holds the prices plan quotes', async () => {
    const page = (await generatedPages()).get('docs/nat-modes.md') ?? '';
    // Tokyo: (0.062 NAT + 0.005 IPv4) x 730; a t4g.nano NAT instance with its volume and two IPv4s.
    expect(page).toMatch(/\| ap-northeast-1 +\| +48\.91 \| +97\.82 \| +97\.82 \| +146\.73 \| +12\.01 \|/);
  }, 60_000);
});
