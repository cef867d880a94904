import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A moto server (getmoto/moto, an AWS emulator written by others) of our own on a free loopback
 * port. `stop()` ends it; so does this process exiting for any reason (a failed test, Ctrl-C),
 * because a forgotten server would hold its port and memory on a shared CI machine.
 */
export interface Moto {
  /** e.g. http://127.0.0.1:41234, for AWS_ENDPOINT_URL. */
  endpoint: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers run synchronously: a kill is all that fits, and all that is needed.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGKILL');
      process.kill(process.pid, signal);
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') done(address.port);
        else fail(new Error('no port from the loopback listener'));
      });
    });
  });
}

/** `moto_server` when it is on the PATH, else the module through python3. */
function motoCommand(port: number): [string, string[]] {
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const found = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  if (!found.error && found.status === 0) return ['moto_server', args];
  return ['python3', ['-m', 'moto.server', ...args]];
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export async function startMoto(): Promise<Moto> {
  installExitHook();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const [command, args] = motoCommand(port);
  // AWS's managed policies exist in every account; moto has them only when asked (--fix-role and
  // verify's probe role attach AWSLambdaVPCAccessExecutionRole).
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    // moto's ECS services never start tasks; this many count as running from their creation, so a
    // service of that desired count is steady (moto keeps one deployment whatever UpdateService changes).
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', MOTO_ECS_SERVICE_RUNNING: '1' },
  });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));

  const stop = async (): Promise<void> => {
    if (!running.has(child)) return;
    running.delete(child);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(endpoint))) {
    if (spawnError || child.exitCode !== null || Date.now() > deadline) {
      await stop();
      const why = spawnError
        ? `could not start ${command}: ${spawnError.message}`
        : child.exitCode !== null
          ? `${command} exited with code ${String(child.exitCode)}`
          : `${command} did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000}s`;
      throw new Error(`${why}. Install moto with: pip install "moto[server]"\n${stderr}`);
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
  return { endpoint, stop };
}
