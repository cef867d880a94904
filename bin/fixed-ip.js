#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json): this file and dist/help.cjs start without Node's ES module loader.
// The SDK warns on Node 20 through process.emitWarning; set before any client exists so users never see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const args = process.argv.slice(2);
if (buildsInClone()) start();
else process.exitCode = 1;

function start() {
  // With --debug, stack traces name src/ files and lines (dist/ is a bundle with source maps).
  if (args.includes('--debug')) process.setSourceMapsEnabled(true);
  const HELP = ['--help', '-h'];
  // Only help or the version, which run no command: the same CLI built as one CommonJS file.
  const printsOnly =
    (args.length === 1 && [...HELP, '--version', '-v', 'help'].includes(args[0])) ||
    (args.length === 2 && ((HELP.includes(args[1]) && !args[0].startsWith('-')) || args[0] === 'help'));
  if (printsOnly) void loadHelp().main(process.argv);
  else {
    // The commands, from dist/cli.cjs with the code cache the build made on this Node version; on
    // another version (V8 would refuse that cache), with --debug (source maps) or
    // FIXED_IP_NO_CODE_CACHE=1, the ES modules (dist/cli.js and its chunks).
    const cli = args.includes('--debug') || process.env.FIXED_IP_NO_CODE_CACHE ? undefined : loadCached();
    if (cli) void cli.main(process.argv);
    else void import('../dist/cli.js').then(({ main }) => main(process.argv));
  }
}

/**
 * In a clone, `npm ci` installs but does not build: a `prepare` script would make npm warn at every
 * install of the packed package (an install script not covered by allowScripts), so the build runs
 * at `npm pack` (prepack) and here, at the first run in a clone. The package itself ships dist/ and
 * no scripts/, so this never runs there. False when the build failed (it said why on stderr).
 */
function buildsInClone() {
  const { existsSync } = require('node:fs');
  const { join } = require('node:path');
  const root = join(__dirname, '..');
  const script = join(root, 'scripts', 'build.js');
  if (existsSync(join(root, 'dist', 'cli.js')) || !existsSync(script)) return true;
  process.stderr.write('fixed-ip: building dist/ first (once per clone; `npm run build` rebuilds it)\n');
  const built = require('node:child_process').spawnSync(process.execPath, [script], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  return built.status === 0;
}

/** dist/help.cjs with the V8 code cache the build made (ignored by V8 if from another Node). */
function loadHelp() {
  const { join } = require('node:path');
  const file = join(__dirname, '..', 'dist', 'help.cjs');
  const { readFileSync } = require('node:fs');
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  return run(file, source, read(`${file}.cache`));
}

/** dist/cli.cjs (already wrapped as a function by the build), when the build made its code cache on this Node version. */
function loadCached() {
  const { readFileSync } = require('node:fs');
  const { join } = require('node:path');
  const file = join(__dirname, '..', 'dist', 'cli.cjs');
  const cachedData = read(`${file}.${process.version}.cache`);
  return cachedData ? run(file, readFileSync(file, 'utf8'), cachedData) : undefined;
}

function read(file) {
  try {
    return require('node:fs').readFileSync(file);
  } catch {
    return undefined;
  }
}

/** A CommonJS module's source, wrapped as a function, run as Node would but handed V8's code cache. */
function run(file, source, cachedData) {
  const { dirname } = require('node:path');
  const { Script } = require('node:vm');
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file));
  return module.exports;
}
