import pkg from '../package.json' with { type: 'json' };

// Inlined by the bundle; src/ (tests, bench) reads it from the package root.
export const VERSION: string = pkg.version;
