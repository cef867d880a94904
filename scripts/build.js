// The build, in dist/:
// - cli.js: the CLI as ES modules, split per command (each `await import()` is its own chunk in
//   chunks/), with the SDK's ES module builds so only the operations src/aws/operations.ts names
//   are kept;
// - help.cjs: the same src/cli.ts as one CommonJS file, which bin/fixed-ip.js uses for `--help` and
//   `--version` only: CommonJS starts without Node's ES module loader, a few milliseconds that are a
//   fifth of a bare `node -e ''`;
// - cli.cjs: cli.js and its chunks bundled again as one CommonJS file, with V8's code cache of a
//   `status` (cli.cjs.<node version>.cache), which bin/fixed-ip.js runs for every command on the
//   Node version that made the cache (elsewhere, or with --debug, it loads cli.js).
// Source maps point at src/ (bin/fixed-ip.js turns them on with --debug).
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { setImmediate } from 'node:timers';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { bundledPackages, noticesText, NOTICES_FILE } from './notices.js';

const outdir = new URL('../dist/', import.meta.url).pathname;

/**
 * The SDK's schema tables (`schemas_0.js`, one per client) hold every operation's shapes as
 * top-level arrays, which esbuild drops when unused, except where an object in them has a computed
 * key (`{ [_xN]: _m }`): a computed key might run code, so all of EC2's 1 MB would stay. Each such
 * key names a string constant of the same file; writing the string in its place lets the unused
 * shapes go.
 */
const schemaKeys = {
  name: 'sdk-schema-keys',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
      async (args) => {
        const source = await readFile(args.path, 'utf8');
        const strings = new Map();
        for (const [, name, value] of source.matchAll(/^const (_\w+) = ("(?:[^"\\]|\\.)*");$/gm))
          strings.set(name, value);
        const contents = source.replace(/\[(_\w+)\]:/g, (whole, name) =>
          strings.has(name) ? `${strings.get(name)}:` : whole,
        );
        return { contents, loader: 'js' };
      },
    );
  },
};

/**
 * commander requires child_process at load time, for executable subcommands, which fixed-ip has
 * none of; loading it costs a few milliseconds of every start. It is required on first use instead.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20.12',
  sourcemap: 'linked',
  sourcesContent: false,
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  // tsc keeps `import { type X } from 'pkg'` as a bare import of the package (verbatimModuleSyntax),
  // which would load a whole SDK client for a type; the bundle drops imports that only bring types.
  tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false, useDefineForClassFields: true } },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  splitting: true,
  format: 'esm',
  // The SDK's ES module build (its "module" field) tree-shakes; its CommonJS build holds every operation.
  mainFields: ['module', 'main'],
  chunkNames: 'chunks/[name]-[hash]',
  // Its inputs name the packages bundled (the notices below); written out with --meta.
  metafile: true,
  // Bundled CommonJS (write-file-atomic, signal-exit) calls require() for Node's own modules, and
  // write-file-atomic names its temp files after __filename.
  banner: {
    js: [
      "import { createRequire as __fixedIpRequire } from 'node:module';",
      'const require = __fixedIpRequire(import.meta.url);',
      'const __filename = new URL(import.meta.url).pathname;',
    ].join(' '),
  },
  plugins: [schemaKeys, lazyChildProcess],
  // The simulated account (--simulate) is a bundle of its own: its wire transport reads every
  // operation's schema, which would keep all of EC2's in the chunks every command loads.
  external: ['./simulate.js'],
});
// run.ts lands in chunks/ and imports './simulate.js' beside it.
const simulated = await build({
  ...common,
  entryPoints: ['src/simulate.ts'],
  outfile: `${outdir}chunks/simulate.js`,
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: {
    js: [
      "import { createRequire as __fixedIpRequire } from 'node:module';",
      'const require = __fixedIpRequire(import.meta.url);',
      'const __filename = new URL(import.meta.url).pathname;',
    ].join(' '),
  },
  plugins: [schemaKeys, lazyChildProcess],
  metafile: true,
});
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: `${outdir}help.cjs`,
  format: 'cjs',
  // Never reached: bin/fixed-ip.js sends every command to cli.js.
  external: ['./run.js'],
  // The kinds come along through cli.ts's imports, and one reads a file beside itself through
  // import.meta: help and version never run that code, so the CommonJS build's empty import.meta
  // does not matter there.
  logOverride: { 'empty-import-meta': 'silent' },
  plugins: [lazyChildProcess],
});
if (process.argv.includes('--meta')) await writeFile(`${outdir}meta.json`, JSON.stringify(result.metafile));
// help.cjs bundles a subset of cli.js's inputs, and cli.cjs and simulate.cjs re-bundle dist/ itself.
await writeFile(
  `${outdir}${NOTICES_FILE}`,
  await noticesText(bundledPackages([result.metafile, simulated.metafile], process.cwd())),
);

// The NAT instance's user data is read at run time next to the module that reads it
// (src/kinds/nat-instance/boot.ts: `new URL('./user-data.sh', import.meta.url)`): in the bundle
// that module is dist/cli.js or one of dist/chunks/, so the script goes beside both.
for (const dir of [outdir, `${outdir}chunks/`]) {
  await mkdir(dir, { recursive: true });
  await copyFile('src/kinds/nat-instance/user-data.sh', `${dir}user-data.sh`);
}

/**
 * V8's code cache for help.cjs, made by running `--help` once: bin/fixed-ip.js hands it to V8 so
 * `--help` skips most compiling. V8 rejects a cache from another Node version and compiles as
 * usual.
 */
const helpFile = `${outdir}help.cjs`;
const wrapped = `(function (exports, require, module, __filename, __dirname) {${await readFile(helpFile, 'utf8')}\n})`;
const script = new Script(wrapped, { filename: helpFile });
const helpModule = { exports: {} };
script
  .runInThisContext()
  .call(helpModule.exports, helpModule.exports, createRequire(helpFile), helpModule, helpFile, outdir);
const sink = { write: () => true, isTTY: false, on: () => sink };
await helpModule.exports.main(['node', 'fixed-ip', '--help'], {
  stdin: process.stdin,
  stdout: sink,
  stderr: sink,
  env: {},
});
process.exitCode = 0;
await writeFile(`${helpFile}.cache`, script.createCachedData());

/**
 * The commands as one CommonJS file with V8's code cache. Node 20's ES module loader compiles each
 * of the thirty-odd chunks a command loads at every start (about half the cpu of a cold `status`);
 * V8 can skip that for a script given the cache, which only CommonJS (vm.Script) can be. The ES
 * module build is bundled again, so only what it kept is here; what it loads on first use stays
 * lazy (esbuild wraps each such module in a function run on first use).
 */
const cliFile = `${outdir}cli.cjs`;
/**
 * No import() is left in cli.cjs (a vm.Script cannot run one without an experimental flag): Node's
 * own modules are required, and the simulated account is required from chunks/simulate.cjs.
 */
const requireInstead = {
  name: 'require-instead-of-import',
  setup(build) {
    build.onResolve({ filter: /^node:|^\.\/simulate\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, namespace: 'required' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({
      contents: args.path.startsWith('node:')
        ? `module.exports = require(${JSON.stringify(args.path)});`
        : "module.exports = require(require('node:path').join(__dirname, 'chunks', 'simulate.cjs'));",
      loader: 'js',
    }));
  },
};
const cjs = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20.12',
  minifySyntax: true,
  minifyWhitespace: true,
  // Shorter names: less source for V8 to hold and hash at every start (--debug runs cli.js, whose
  // source maps name src/).
  minifyIdentifiers: true,
  legalComments: 'none',
  logLevel: 'warning',
  // The chunks find their files (write-file-atomic's temp names, the NAT instance's script) from
  // import.meta.url: here, the CommonJS file's own.
  define: { 'import.meta.url': '__fixedIpUrl' },
  banner: { js: "const __fixedIpUrl = require('node:url').pathToFileURL(__filename).href;" },
};
await build({ ...cjs, entryPoints: [`${outdir}cli.js`], outfile: cliFile, plugins: [requireInstead] });
// Wrapped here as Node wraps a CommonJS module, so bin/fixed-ip.js hands V8 the file's text as it
// is (wrapping it at run time would hold a second copy of 1 MB of source).
await writeFile(
  cliFile,
  `(function (exports, require, module, __filename, __dirname) {${await readFile(cliFile, 'utf8')}\n})`,
);
await build({
  ...cjs,
  entryPoints: [`${outdir}chunks/simulate.js`],
  outfile: `${outdir}chunks/simulate.cjs`,
});

/** Runs cli.cjs as bin/fixed-ip.js does (a function wrapper in a vm.Script). */
function loadCli(source, cachedData) {
  const script = new Script(source, {
    filename: cliFile,
    cachedData,
  });
  const cli = { exports: {} };
  script.runInThisContext().call(cli.exports, cli.exports, createRequire(cliFile), cli, cliFile, outdir);
  return { script, main: cli.exports.main };
}

/** `status --simulate` through cli.cjs as bin/fixed-ip.js runs it; writes the script's code cache at exit. */
const TRAIN = `
const { readFileSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
const [file, cache, offset] = process.argv.slice(1);
// The clock of the setup that made the stack, which let its waits pass at once.
const clock = { now: () => Date.now() + Number(offset), sleep: (ms) => new Promise((wake) => setTimeout(wake, ms)) };
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, clock };
const script = new Script(readFileSync(file, 'utf8'), { filename: file });
const cli = { exports: {} };
script.runInThisContext().call(cli.exports, cli.exports, require, cli, file, dirname(file));
// Then the same status through the SDK's own HTTP handler and credential chain, against an address
// where nothing listens: it fails at its first call, having compiled what a real one runs first.
const offline = {
  ...io,
  env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'build', AWS_SECRET_ACCESS_KEY: 'build', AWS_REGION: 'ap-northeast-1', AWS_MAX_ATTEMPTS: '1' },
};
cli.exports.main(['node', 'fixed-ip', 'status', '--simulate'], io).then(async (code) => {
  await cli.exports.main(['node', 'fixed-ip', 'status'], offline);
  if (code === 0) writeFileSync(cache, script.createCachedData());
  process.exitCode = code;
});
`;

/**
 * The code cache of a `status` on a two-zone stack, made in the simulated account in a temporary
 * folder: a setup here (on a clock that lets its waits pass at once), then a `status` in a process
 * of its own, whose compiled functions become the cache (in this process V8 would share the
 * setup's with it).
 */
{
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const source = await readFile(cliFile, 'utf8');
  const home = process.cwd();
  const dir = await mkdtemp(join(tmpdir(), 'fixed-ip-build-'));
  let now = Date.now();
  const clock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) reject(signal.reason);
        else
          setImmediate(() => {
            now += ms;
            resolve();
          });
      }),
  };
  // The simulated account of the training runs lives in the temporary folder, not the user's home.
  const state = join(dir, '.state');
  const io = { stdin: process.stdin, stdout: sink, stderr: sink, env: { XDG_STATE_HOME: state }, clock };
  process.chdir(dir);
  try {
    const made = await loadCli(source).main(
      ['node', 'fixed-ip', 'setup', '--simulate', '--yes', '--azs', '2'],
      io,
    );
    if (made !== 0) throw new Error(`the code cache's setup failed (exit ${made})`);
    const cache = `${cliFile}.${process.version}.cache`;
    const offset = String(now - Date.now());
    const status = spawnSync(
      process.execPath,
      ['--input-type=commonjs', '-e', TRAIN, cliFile, cache, offset],
      {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          NO_COLOR: '1',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          XDG_STATE_HOME: state,
        },
      },
    );
    if (status.status !== 0)
      throw new Error(`the code cache's status failed (exit ${status.status}): ${status.stderr}`);
  } finally {
    process.chdir(home);
    process.exitCode = 0;
    await rm(dir, { recursive: true, force: true });
  }
}
