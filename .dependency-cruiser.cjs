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
 * The simulator (src/simulator/) is a world of its own: only `--simulate` (src/simulate.ts) opens it,
 * and it uses nothing of the product but the ports, the read-only list and the error type.
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
      to: { path: '^src/', pathNot: `${BASE}|^src/state/s3-port[.]ts$` },
    },
    {
      name: 'lease-above-base-only',
      severity: 'error',
      comment: 'The lease (src/lease/) knows its backends and the ground floor, nothing that uses it.',
      from: { path: '^src/lease/' },
      to: { path: '^src/', pathNot: `${BASE}|^src/lease/|^src/state/s3-port[.]ts$` },
    },
    {
      name: 'state-below-kinds-and-commands',
      severity: 'error',
      from: { path: '^src/state/' },
      to: {
        path: '^src/(model|kinds|verify|engine|commands|simulator|ui)/|^src/[^/]+[.]ts$',
        pathNot: `${BASE}`,
      },
    },
    {
      name: 'model-below-kinds',
      severity: 'error',
      comment: 'model/ is what every kind shares; it never learns which kinds exist.',
      from: { path: '^src/model/' },
      to: { path: '^src/(kinds|verify|engine|commands|simulator|ui)/|^src/[^/]+[.]ts$', pathNot: `${BASE}` },
    },
    {
      name: 'kinds-below-the-engine',
      severity: 'error',
      comment: 'A kind knows the model and other kinds, never the engine that walks them.',
      from: { path: '^src/(kinds|verify)/' },
      to: { path: '^src/(engine|commands|simulator|ui)/|^src/[^/]+[.]ts$', pathNot: `${BASE}` },
    },
    {
      name: 'engine-below-commands',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/(commands|simulator|ui)/|^src/[^/]+[.]ts$', pathNot: `${BASE}` },
    },
    {
      name: 'commands-below-the-entry-point',
      severity: 'error',
      from: { path: '^src/commands/' },
      to: { path: '^src/(simulator|ui)/|^src/(run|cli|simulate)[.]ts$' },
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
      from: { path: '^src/', pathNot: '^src/simulator/|^src/simulate[.]ts$' },
      to: { path: '^src/simulator/' },
    },
    {
      name: 'simulator-stands-alone',
      severity: 'error',
      comment: 'The simulated account uses only the ports, the read-only operation list and the error type.',
      from: { path: '^src/simulator/' },
      to: {
        path: '^src/',
        pathNot: '^src/simulator/|^src/ports/clock[.]ts$|^src/aws/(port|read-only)[.]ts$|^src/errors[.]ts$',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
