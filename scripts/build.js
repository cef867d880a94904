// The build: one esbuild bundle of the CLI in dist/, split per command (each `await import()` is its
// own chunk), with the SDK's ES module builds so only the operations src/aws/operations.ts names are
// kept. Source maps point at src/ (bin/fixed-ip.js turns them on with --debug).
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';

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

const outdir = new URL('../dist/', import.meta.url).pathname;
await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.12',
  // The SDK's ES module build (its "module" field) tree-shakes; its CommonJS build holds every operation.
  mainFields: ['module', 'main'],
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  sourcesContent: false,
  minifySyntax: true,
  legalComments: 'none',
  metafile: process.argv.includes('--meta'),
  // Bundled CommonJS (write-file-atomic, signal-exit) calls require() for Node's own modules, and
  // write-file-atomic names its temp files after __filename.
  banner: {
    js: [
      "import { createRequire as __fixedIpRequire } from 'node:module';",
      'const require = __fixedIpRequire(import.meta.url);',
      'const __filename = new URL(import.meta.url).pathname;',
    ].join(' '),
  },
  plugins: [schemaKeys],
  logLevel: 'warning',
});
if (result.metafile) {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(new URL('meta.json', new URL(outdir, 'file:')), JSON.stringify(result.metafile));
}
