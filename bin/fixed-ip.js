#!/usr/bin/env node
// The SDK warns on Node 20 through process.emitWarning; set before any client exists so users never see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// With --debug, stack traces name src/ files and lines (dist/ is a bundle with source maps).
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const { main } = await import('../dist/cli.js');
await main(process.argv);
