/**
 * The pages of docs/ that are generated from the code: the command reference and exit codes (from
 * the commander definitions in src/cli.ts and the table in src/errors.ts), the IAM policies (what
 * `fixed-ip iam-policy` prints for each `--for`), and the NAT modes with their monthly costs (from
 * the price tables the CLI quotes), and the JSON Schema of each command's `--json` output (from
 * src/json-schemas.ts) with the table of them in docs/json.md. `npm run docs` writes them; test/docs/generated.test.ts fails
 * when one on disk differs.
 */
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { Command, Option } from 'commander';
import { format, resolveConfig } from 'prettier';
import { commandTree, examplesOf, main } from '../../src/cli.js';
import { EXIT_CODES, EXIT_CODE_MEANING, ExitCode } from '../../src/errors.js';
import { stackCost } from '../../src/engine/cost.js';
import { NAT_MODE } from '../../src/kinds/nat-modes.js';
import { INSTANCE_PRICES } from '../../src/kinds/nat-instance.js';
import { HOURS_PER_MONTH, IPV4_HOURLY_USD, NAT_PRICES, monthlyCost } from '../../src/model/pricing.js';
import { emptyState, NAT_MODES, type Shape } from '../../src/state/schema.js';
import { COMMAND_JSON, ERROR_JSON, jsonSchemaOf, type JsonSchemaEntry } from '../../src/json-schemas.js';

/** The command that rewrites every generated page; the stale check names it. */
export const REGENERATE = 'npm run docs';

const banner = (source: string): string =>
  `<!-- Generated from ${source} by \`${REGENERATE}\`: do not edit by hand. -->\n`;

/** A markdown table cell: pipes escaped, new lines joined. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

const GLOBAL_GROUP = 'Global options:';

function optionRow(option: Option): string {
  const notes: string[] = [];
  if (option.argChoices) notes.push(`one of ${option.argChoices.map((c) => `\`${c}\``).join(', ')}`);
  if (option.defaultValue !== undefined && !option.negate)
    notes.push(`default \`${String(option.defaultValue)}\``);
  if (option.mandatory) notes.push('required');
  const text = [option.description, ...notes].filter(Boolean).join('; ');
  return `| \`${cell(option.flags)}\` | ${cell(text)} |`;
}

const isGlobal = (option: Option): boolean =>
  (option as Option & { helpGroupHeading?: string }).helpGroupHeading === GLOBAL_GROUP;

/** The commands as a user types them, `state move` included. */
export function commandsOf(program: Command): Array<{ path: string; cmd: Command }> {
  return program.commands.flatMap((cmd) =>
    cmd.commands.length > 0
      ? cmd.commands.map((sub) => ({ path: `${cmd.name()} ${sub.name()}`, cmd: sub }))
      : [{ path: cmd.name(), cmd }],
  );
}

function commandsPage(): string {
  const program = commandTree();
  const commands = commandsOf(program);
  const out: string[] = [banner('src/cli.ts and src/errors.ts'), '# Command reference', ''];
  out.push(`${program.description()}`, '');
  out.push('| command | what it does |', '| --- | --- |');
  for (const { path, cmd } of commands)
    out.push(`| [\`fixed-ip ${path}\`](#fixed-ip-${path.replace(/ /g, '-')}) | ${cell(cmd.description())} |`);
  out.push('', 'Also `fixed-ip --help`, `fixed-ip <command> --help` and `fixed-ip --version` (`-v`).', '');
  const globals = commands.find(({ cmd }) => cmd.options.some(isGlobal))?.cmd.options.filter(isGlobal) ?? [];
  out.push('## Global options', '');
  out.push(
    `Every command takes these, except ${commands
      .filter(({ cmd }) => !cmd.options.some(isGlobal))
      .map(({ path }) => `\`${path}\``)
      .join(' and ')}:`,
    '',
  );
  out.push('| option | meaning |', '| --- | --- |', ...globals.map(optionRow), '');
  for (const { path, cmd } of commands) {
    out.push(`## fixed-ip ${path}`, '', `${cmd.description()}.`, '');
    const args = cmd.registeredArguments.map((arg) => (arg.required ? `<${arg.name()}>` : `[${arg.name()}]`));
    out.push('```', `fixed-ip ${[path, ...args, '[options]'].join(' ')}`, '```', '');
    const own = cmd.options.filter((option) => !isGlobal(option));
    if (own.length > 0) out.push('| option | meaning |', '| --- | --- |', ...own.map(optionRow), '');
    if (cmd.options.some(isGlobal)) out.push('And the [global options](#global-options).', '');
    const examples = examplesOf(cmd);
    if (examples.length > 0) out.push('```sh', ...examples, '```', '');
  }
  out.push('## Exit codes', '');
  out.push(
    'The exit code is part of the interface; with `--json` the error object carries it too (`error.exitCode`) and the error code (`error.code`).',
    '',
  );
  out.push('| exit | meaning | error codes |', '| --- | --- | --- |');
  for (const [name, code] of Object.entries(ExitCode)) {
    const codes = [
      ...Object.entries(EXIT_CODES)
        .filter(([, exit]) => exit === code)
        .map(([error]) => error),
      // commander's own usage errors (an unknown option, a missing value) have this code in JSON.
      ...(code === ExitCode.usage ? ['USAGE'] : []),
    ]
      .map((c) => `\`${c}\``)
      .join(', ');
    out.push(`| ${code} | ${cell(EXIT_CODE_MEANING[name as keyof typeof ExitCode])} | ${codes} |`);
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** What `fixed-ip iam-policy …args` prints, run through the CLI itself. */
async function iamPolicy(args: string[]): Promise<string> {
  let printed = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      printed += chunk.toString();
      done();
    },
  }) as NodeJS.WriteStream;
  const stderr = new Writable({ write: (_chunk, _encoding, done) => done() }) as NodeJS.WriteStream;
  const before = process.exitCode;
  const code = await main(['node', 'fixed-ip', 'iam-policy', ...args], {
    stdin: process.stdin,
    stdout,
    stderr,
    env: {},
  });
  process.exitCode = before;
  if (code !== 0) throw new Error(`fixed-ip iam-policy ${args.join(' ')} exited ${code}`);
  return printed.trimEnd();
}

async function iamPage(): Promise<string> {
  const scopes = ['setup', 'status', 'teardown', 'verify', 'cost', 'export', 'forget', 'ci', 'nat-instance'];
  const out: string[] = [banner('`fixed-ip iam-policy`'), '# IAM policies', ''];
  out.push(
    'What `fixed-ip iam-policy` prints: the least-privilege policy for the identity that runs fixed-ip.',
    'Why each statement is there, and how it is scoped: [permissions.md](permissions.md).',
    '',
  );
  out.push(
    '## Default (`fixed-ip iam-policy`)',
    '',
    'setup, plan, status, teardown, verify, list, attach, detach and forget:',
    '',
    '```json',
    await iamPolicy([]),
    '```',
    '',
  );
  for (const scope of scopes) {
    out.push(`## \`fixed-ip iam-policy --for ${scope}\``, '');
    if (scope === 'nat-instance')
      out.push(
        'The role a NAT instance itself holds (fixed-ip creates it; `--name` names the stack it is for).',
        '',
      );
    if (scope === 'ci')
      out.push(
        "The scheduled check's role (`fixed-ip ci github`): what status and verify need, nothing else.",
        '',
      );
    out.push('```json', await iamPolicy(['--for', scope]), '```', '');
  }
  out.push(
    '## The CI role with its trust policy',
    '',
    "`--for ci --repo owner/name` prints the role's two documents: `permissionsPolicy` and `trustPolicy`",
    "(GitHub's OIDC provider, for that repository's default branch only; see [allowlist.md](allowlist.md)):",
    '',
    '```json',
    await iamPolicy(['--for', 'ci', '--repo', 'octo-org/payments', '--account', '123456789012']).then(
      (text) =>
        JSON.stringify({ trustPolicy: (JSON.parse(text) as { trustPolicy: unknown }).trustPolicy }, null, 2),
    ),
    '```',
    '',
  );
  out.push(
    '## With an S3 state',
    '',
    '`--state s3://bucket/key.json` adds the S3 calls that state needs, scoped to that bucket and key:',
    '',
    '```json',
    await iamPolicy(['--for', 'status', '--state', 's3://team-state/fixed-ip/prod.json']),
    '```',
  );
  return `${out.join('\n').trimEnd()}\n`;
}

const usd = (n: number): string => n.toFixed(2);

function monthly(region: string, shape: Shape): number {
  const state = emptyState('docs', region, '123456789012');
  state.shape = shape;
  return stackCost(region, state).monthlyUsd;
}

function costsPage(): string {
  const out: string[] = [banner('src/kinds/nat-modes.ts and the price tables'), '# NAT modes and costs', ''];
  out.push(
    '`--nat` chooses how the fixed IP is served ([nat-instance.md](nat-instance.md) for the instance).',
    '',
  );
  out.push('| `--nat` | what is built | IPs to allowlist | a zone outage |', '| --- | --- | --- | --- |');
  for (const name of NAT_MODES) {
    const mode = NAT_MODE[name];
    const ips = mode.addressZones(['a', 'b']).length > 1 ? 'one per zone' : '1';
    out.push(
      `| \`${name}\`${name === 'gateway' ? ' (default)' : ''} | ${cell(mode.title)} | ${ips} | ${
        mode.survivesZoneOutage ? 'egress survives' : 'functions survive, egress does not'
      } |`,
    );
  }
  out.push('', '## Monthly, before traffic', '');
  out.push(
    `USD, hourly prices x ${HOURS_PER_MONTH}, every public IPv4 address (the Elastic IPs) at ${IPV4_HOURLY_USD}/h included; what \`plan\` and \`setup\` quote. Other regions are quoted at us-east-1's prices, marked approximate.`,
    '',
  );
  const columns: Array<{ title: string; shape: (zones: string[]) => Shape; zones: number }> = [
    { title: '`gateway`, any zones', shape: (zones) => ({ nat: 'gateway', zones }), zones: 2 },
    { title: '`gateway-per-az`, 2 zones', shape: (zones) => ({ nat: 'gateway-per-az', zones }), zones: 2 },
    { title: '`regional`, 2 zones', shape: (zones) => ({ nat: 'regional', zones }), zones: 2 },
    {
      title: '`gateway-per-az` or `regional`, 3 zones',
      shape: (zones) => ({ nat: 'gateway-per-az', zones }),
      zones: 3,
    },
    { title: '`instance` t4g.nano', shape: (zones) => ({ nat: 'instance', zones }), zones: 1 },
    {
      title: '`instance` t4g.micro',
      shape: (zones) => ({ nat: 'instance', zones, natInstanceType: 't4g.micro' }),
      zones: 1,
    },
    {
      title: '`instance` t3.nano',
      shape: (zones) => ({ nat: 'instance', zones, natInstanceType: 't3.nano' }),
      zones: 1,
    },
  ];
  out.push(
    `| region | ${columns.map((c) => c.title).join(' | ')} | per GB through a NAT gateway | a kept, idle Elastic IP |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} | ---: | ---: |`,
  );
  for (const region of Object.keys(NAT_PRICES)) {
    const zones = (n: number): string[] => ['a', 'b', 'c'].slice(0, n).map((z) => `${region}${z}`);
    const cost = monthlyCost(region);
    out.push(
      `| ${region} | ${columns.map((c) => usd(monthly(region, c.shape(zones(c.zones))))).join(' | ')} | ${cost.perGb} | ${usd(cost.idleEipMonthlyUsd)} |`,
    );
  }
  out.push('', '## NAT instance prices', '', 'USD per hour, on-demand, Linux:', '');
  const types = [...new Set(Object.values(INSTANCE_PRICES).flatMap((p) => Object.keys(p ?? {})))];
  out.push(`| region | ${types.join(' | ')} |`, `| --- | ${types.map(() => '---:').join(' | ')} |`);
  for (const [region, prices] of Object.entries(INSTANCE_PRICES))
    out.push(`| ${region} | ${types.map((t) => String(prices?.[t] ?? '')).join(' | ')} |`);
  out.push(
    '',
    'A NAT instance has no per-GB processing charge; it adds its root volume (gp3) and a second public IPv4 address (its primary interface). `fixed-ip cost` compares the modes for your own traffic.',
  );
  return `${out.join('\n').trimEnd()}\n`;
}

/** Where each command's JSON Schema is written. */
export const schemaPath = (item: JsonSchemaEntry): string => `docs/json-schema/${item.file}.schema.json`;

/** The commands that take --json, as a user types them (`state move`). */
export function jsonCommands(): string[] {
  return commandsOf(commandTree())
    .filter(({ cmd }) => cmd.options.some((option) => option.long === '--json'))
    .map(({ path }) => path);
}

const JSON_BLOCK_START =
  '<!-- The table up to the end mark is generated from src/json-schemas.ts by `npm run docs`: do not edit it by hand. -->';
const JSON_BLOCK_END = '<!-- End of the generated table. -->';

/** docs/json.md, hand-written, with its table of schemas (between the two marks) generated. */
async function jsonPage(): Promise<string> {
  const path = new URL('../../docs/json.md', import.meta.url);
  const page = await readFile(path, 'utf8');
  const start = page.indexOf(JSON_BLOCK_START);
  const end = page.indexOf(JSON_BLOCK_END);
  if (start < 0 || end < start) throw new Error(`docs/json.md: the marks of the generated table are missing`);
  const link = (item: JsonSchemaEntry): string =>
    `[${item.file}.schema.json](${schemaPath(item).replace(/^docs\//, '')})`;
  const rows = jsonCommands().map((path) => {
    const item = COMMAND_JSON[path] as JsonSchemaEntry | undefined;
    // test/cli/json-schemas.test.ts fails until it has one; the other pages are still written.
    if (!item) return `| \`fixed-ip ${path}\` | none yet (src/json-schemas.ts) | |`;
    return `| \`fixed-ip ${path}\` | ${link(item)} | ${cell(item.description)} |`;
  });
  const table = [
    JSON_BLOCK_START,
    '',
    '| command | schema | what it prints |',
    '| --- | --- | --- |',
    ...rows,
    `| any command, on failure | ${link(ERROR_JSON)} | ${cell(ERROR_JSON.description)} |`,
    '',
  ].join('\n');
  return `${page.slice(0, start)}${table}${page.slice(end)}`;
}

/** Each command's JSON Schema (and the error object's), as docs/json-schema/ holds them. */
function schemaPages(): Array<[string, string]> {
  return [...new Set([...Object.values(COMMAND_JSON), ERROR_JSON])].map((item) => [
    schemaPath(item),
    `${JSON.stringify(jsonSchemaOf(item), null, 2)}\n`,
  ]);
}

/** Every generated page, by its path under the repository root, as Prettier formats it (`npm test` checks that too). */
export async function generatedPages(): Promise<Map<string, string>> {
  const pages: Array<[string, string]> = [
    ['docs/commands.md', commandsPage()],
    ['docs/iam-policy.md', await iamPage()],
    ['docs/nat-modes.md', costsPage()],
    ['docs/json.md', await jsonPage()],
    ...schemaPages(),
  ];
  const root = new URL('../../', import.meta.url);
  const formatted: Array<[string, string]> = [];
  for (const [path, text] of pages) {
    const filepath = new URL(path, root).pathname;
    const options = (await resolveConfig(filepath)) ?? {};
    formatted.push([path, await format(text, { ...options, filepath })]);
  }
  return new Map(formatted);
}
