/**
 * The layers of src/, held by `npm run lint:layers` (part of `npm test`). From the bottom up:
 *   errors, hints, version, io, ports/, aws/       what everything may use
 *   lease/                                         the one lease and its backends (file, S3, SSM)
 *   state/                                         state files and their stores
 *   model/                                         what kinds share: the kind contract, context,
 *                                                  world, tags, waits, pricing, CIDR math
 *   kinds/, verify/                                one module per resource kind (and verify's probe)
 *   engine/                                        what walks the kinds: recipe, removal, discovery,
 *                                                  preflight, IAM policy, cost, run guard
 *   commands/                                      one module per command
 *   summary.ts, json-output.ts, completion.ts      what commands' results look like
 *   run.ts, cli.ts                                 the entry point; the only users of ui/
 * The simulator is a workspace package of its own (packages/simulator, `@fixed-ip/simulator`): only
 * `--simulate` (src/simulate.ts) imports it, and it imports nothing of the CLI.
 * A wrong import fails the check; no import cycle is allowed anywhere.
 */
const BASE = '^src/(errors|hints|version|io)[.]ts$|^src/(ports|aws)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle ties modules into one unit that can only change together.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'base-imports-only-base',
      severity: 'error',
      comment:
        'errors, hints, version, io, ports/ and aws/ are the ground floor: they import nothing above them.',
      from: { path: BASE },
      to: { path: '^src/', pathNot: BASE },
    },
    {
      name: 'lease-above-base-only',
      severity: 'error',
      comment: 'The lease (src/lease/) knows its backends and the ground floor, nothing that uses it.',
      from: { path: '^src/lease/' },
      to: { path: '^src/', pathNot: `${BASE}|^src/lease/` },
    },
    {
      name: 'state-below-kinds-and-commands',
      severity: 'error',
      from: { path: '^src/state/' },
      to: {
        path: '^src/(model|kinds|verify|engine|commands|ui)/|^src/[^/]+[.]ts$',
        pathNot: `${BASE}`,
      },
    },
    {
      name: 'model-below-kinds',
      severity: 'error',
      comment: 'model/ is what every kind shares; it never learns which kinds exist.',
      from: { path: '^src/model/' },
      to: { path: '^src/(kinds|verify|engine|commands|ui)/|^src/[^/]+[.]ts$', pathNot: `${BASE}` },
    },
    {
      name: 'kinds-below-the-engine',
      severity: 'error',
      comment: 'A kind knows the model and other kinds, never the engine that walks them.',
      from: { path: '^src/(kinds|verify)/' },
      to: { path: '^src/(engine|commands|ui)/|^src/[^/]+[.]ts$', pathNot: `${BASE}` },
    },
    {
      name: 'engine-below-commands',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/(commands|ui)/|^src/[^/]+[.]ts$', pathNot: `${BASE}` },
    },
    {
      name: 'commands-below-the-entry-point',
      severity: 'error',
      from: { path: '^src/commands/' },
      to: { path: '^src/ui/|^src/(run|cli|simulate)[.]ts$' },
    },
    {
      name: 'ui-only-from-the-entry-point',
      severity: 'error',
      comment: 'Only the terminal adapter draws: the core talks to the Ui port (src/ports/ui.ts).',
      from: { path: '^src/', pathNot: '^src/ui/|^src/(run|cli)[.]ts$' },
      to: { path: '^src/ui/' },
    },
    {
      name: 'simulator-only-from-simulate',
      severity: 'error',
      comment: 'The production path never loads the simulator: only --simulate (src/simulate.ts) does.',
      from: { path: '^src/', pathNot: '^src/simulate[.]ts$' },
      to: { path: '^packages/simulator/' },
    },
    {
      name: 'simulator-stands-alone',
      severity: 'error',
      comment: 'The simulator package imports nothing of the CLI: it is an AWS of its own.',
      from: { path: '^packages/simulator/' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(src|packages/simulator/src)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
