#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json): this file and dist/help.cjs start without Node's ES module loader.
// The SDK warns on Node 20 through process.emitWarning; set before any client exists so users never see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const args = process.argv.slice(2);
// With --debug, stack traces name src/ files and lines (dist/ is a bundle with source maps).
if (args.includes('--debug')) process.setSourceMapsEnabled(true);
const HELP = ['--help', '-h'];
// Only help or the version, which run no command: the same CLI built as one CommonJS file.
const printsOnly =
  (args.length === 1 && [...HELP, '--version', '-v', 'help'].includes(args[0])) ||
  (args.length === 2 && ((HELP.includes(args[1]) && !args[0].startsWith('-')) || args[0] === 'help'));
if (printsOnly) void loadHelp().main(process.argv);
else void import('../dist/cli.js').then(({ main }) => main(process.argv));

/** dist/help.cjs with the V8 code cache the build made (ignored by V8 if from another Node). */
function loadHelp() {
  const { readFileSync } = require('node:fs');
  const { dirname, join } = require('node:path');
  const { Script } = require('node:vm');
  const file = join(__dirname, '..', 'dist', 'help.cjs');
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file));
  return module.exports;
}
