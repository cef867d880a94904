import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// dist/version.js and src/version.ts both sit one level below package.json.
export const VERSION: string = (require('../package.json') as { version: string }).version;
