#!/usr/bin/env node
// The SDK warns on Node 20 through process.emitWarning; set before any client exists so users never see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/cli.js');
await main(process.argv);
