/**
 * `npm run bench`: fixed-ip's performance figures against their targets, in one table. The AWS
 * figures run the commands against the simulator behind real SDK clients, with AWS's real waits
 * on a virtual clock (a full setup + teardown takes seconds); the cold-start figures spawn the CLI.
 * Exits non-zero when any figure misses its target.
 */
// Also makes tsc copy package.json to dist/bench/, where the compiled src/version.js looks for it.
import { parseArgs } from 'node:util';
import pkg from '../package.json' with { type: 'json' };
import { coldStartFigures } from './cold-start.js';
import { coreFigures } from './core.js';
import { scaleFigures } from './scale.js';
import type { Figure } from './figure.js';

function table(figures: readonly Figure[]): string {
  const rows = [
    ['figure', 'measured', 'target', 'result'],
    ...figures.map((f) => [
      f.name,
      f.measured,
      f.target,
      f.pass === undefined ? 'info' : f.pass ? 'PASS' : 'FAIL',
    ]),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const [head, ...body] = rows;
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // `npm run bench -- [cold|core|scale] [--functions N]`: one part only; the scale figures' many
  // functions (50 by default).
  const { values, positionals } = parseArgs({
    options: { functions: { type: 'string' } },
    allowPositionals: true,
  });
  const only = positionals[0];
  const many = values.functions === undefined ? undefined : Number(values.functions);
  if (many !== undefined && !(Number.isInteger(many) && many > 1)) {
    throw new TypeError(`--functions ${values.functions}: a whole number above 1`);
  }
  const figures = [
    ...(only === undefined || only === 'cold' ? await coldStartFigures() : []),
    ...(only === undefined || only === 'core' ? await coreFigures() : []),
    ...(only === undefined || only === 'scale' ? await scaleFigures(many) : []),
  ];
  process.stdout.write(
    `fixed-ip ${pkg.version} benchmark (Node ${process.versions.node})\n\n${table(figures)}\n`,
  );
  const failed = figures.filter((f) => f.pass === false).length;
  process.stdout.write(
    failed === 0 ? 'All figures meet their targets.\n' : `${failed} figure(s) miss their target.\n`,
  );
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
