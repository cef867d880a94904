/**
 * Hints that tell the user to run a command ("run fixed-ip setup to repair") repeat the flags that
 * select the same stack in the same place (--name, --state, --region, --profile, --simulate) and,
 * for the command being run again, the choices that shape it (--nat, --az, --azs; --keep-eip), so
 * copying the line acts on the same stack. The core words its hints once; the edge completes them.
 */

export interface RunFlags {
  /** What every command needs to find the same stack. */
  stack: string[][];
  /** Extra flags per command named in a hint. */
  byCommand: Partial<Record<string, string[][]>>;
}

const COMMANDS = ['setup', 'teardown', 'status', 'plan', 'verify'] as const;
const BOOLEAN_FLAGS = new Set([
  '--simulate',
  '--keep-eip',
  '--new-vpc',
  '--fix-role',
  '--yes',
  '--json',
  '--verify',
  '--debug',
  '--no-color',
]);

/** Quotes a value for a POSIX shell when it needs it. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The flags of this run that a hint must repeat. `command` is the one running now. */
export function runFlags(command: string, options: Record<string, unknown>): RunFlags {
  const stack: string[][] = [];
  if (typeof options.name === 'string' && options.name !== 'default') stack.push(['--name', options.name]);
  for (const key of ['state', 'region', 'profile'] as const) {
    const value = options[key];
    if (typeof value === 'string') stack.push([`--${key}`, value]);
  }
  if (options.simulate === true) stack.push(['--simulate']);
  const shape: string[][] = [];
  if (command === 'setup' || command === 'plan') {
    if (typeof options.nat === 'string') shape.push(['--nat', options.nat]);
    for (const zone of (options.az as string[] | undefined) ?? []) shape.push(['--az', zone]);
    if (typeof options.azs === 'string') shape.push(['--azs', options.azs]);
  }
  const teardown: string[][] = command === 'teardown' && options.keepEip === true ? [['--keep-eip']] : [];
  return { stack, byCommand: { setup: shape, plan: shape, teardown } };
}

const BOOLEAN = [...BOOLEAN_FLAGS].join('|');
const VALUE = `(?!-)[^\\s;,\`'"]*[^\\s;,\`'".]`;
const SEGMENT = new RegExp(
  `fixed-ip (${COMMANDS.join('|')})((?: (?:(?:${BOOLEAN})(?![a-z-])|--[a-z][a-z-]*(?: ${VALUE})?|<[^>]+>))*)`,
  'g',
);

/** Completes every `fixed-ip <command> …` in the text with the run's flags it does not name yet. */
export function withFlags(text: string, flags: RunFlags): string {
  return text.replace(SEGMENT, (whole: string, command: string, rest: string) => {
    const named = new Set(rest.match(/--[a-z][a-z-]*/g) ?? []);
    const extra = [...flags.stack, ...(flags.byCommand[command] ?? [])].filter(
      ([flag]) => flag !== undefined && !named.has(flag),
    );
    if (extra.length === 0) return whole;
    return `${whole} ${extra.map((parts) => parts.map(shellWord).join(' ')).join(' ')}`;
  });
}
