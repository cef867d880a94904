// `npm test`, the contributor's gate: the type check, ESLint, the layer check, Prettier and the build
// run side by side (each is one process on one core, and most machines have more), and the fast
// vitest tier starts as soon as the build is done (a few tests run the built binary). Each check's
// output is shown when it ends, vitest's as it runs; the exit code is non-zero when any failed.
// Arguments go to `vitest run` (.ci/run passes its reporters that way). The slow tier and the moto
// suite have scripts of their own: `npm run test:slow`, `npm run test:moto`.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const vitestArgs = process.argv.slice(2);

/** One npm script or command; resolves with its exit code, its output kept unless `live`. */
function run(label, command, args, live = false) {
  const began = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : process.env.FORCE_COLOR },
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => {
      output += `${error.message}\n`;
    });
    child.on('close', (code) => {
      const seconds = ((performance.now() - began) / 1000).toFixed(1);
      const ok = code === 0;
      process.stdout.write(`${ok ? '✓' : '✗'} ${label} (${seconds} s)\n`);
      if (!ok && !live) process.stdout.write(`${output.trimEnd()}\n\n`);
      resolve(code ?? 1);
    });
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const script = (name) => run(`npm run ${name}`, npm, ['run', '--silent', name]);

const checks = ['typecheck', 'lint', 'lint:layers', 'format:check'].map(script);
const tests = script('build').then((built) =>
  built === 0
    ? run(
        'vitest (fast tier)',
        process.execPath,
        ['node_modules/vitest/vitest.mjs', 'run', ...vitestArgs],
        true,
      )
    : Promise.resolve(built),
);
const codes = await Promise.all([...checks, tests]);
const failed = codes.filter((code) => code !== 0).length;
process.stdout.write(
  failed === 0 ? 'npm test: all passed\n' : `npm test: ${failed} of ${codes.length} steps failed\n`,
);
process.exitCode = failed === 0 ? 0 : 1;
