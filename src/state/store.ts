import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { FixedIpError } from '../errors.js';
import type { StackState } from './schema.js';
import { decodeStateVersion, encodeState } from './codec.js';
import { fileLease } from '../lease/file.js';
import type { LeaseBackend } from '../lease/lease.js';
import { type LeaseSettings, takeLease, type Release } from './lease.js';
import { decodeTombstone, encodeTombstone, type Tombstone, tombstoneOf } from './tombstone.js';

/** Where a stack's state lives. Reads validate; writes are atomic and keep the previous version. */
export interface StateStore {
  readonly path: string;
  /** null only when there is no file (ENOENT); anything unreadable is an error, never "empty". */
  read(): Promise<StackState | null>;
  write(state: StackState): Promise<void>;
  remove(): Promise<void>;
  /** Holds the stack for this process; a second run stops at once with who holds it. */
  lock(stackName: string): Promise<Release>;
  /** The lease `lock` takes (for `unlock`, which names and breaks its holder). */
  lease?(stackName: string): Promise<LeaseBackend>;
  /**
   * What `forget` left where the state lived (`<state>.forgotten.json`): null only when there is
   * none (ENOENT); a corrupt one is an error, never "none".
   */
  readTombstone(): Promise<Tombstone | null>;
  writeTombstone(tombstone: Tombstone): Promise<void>;
}

/**
 * A real stack's state lives with the project (./.fixed-ip, beside the code that needs the IP); the
 * simulated account and its stacks' states are the user's, in one place whatever the folder
 * (`$XDG_STATE_HOME/fixed-ip/simulated`, else `~/.local/state/fixed-ip/simulated`), so `status
 * --simulate` from another folder finds the stack the demo made.
 */
export function defaultStatePath(name: string, simulate: boolean, env: NodeJS.ProcessEnv): string {
  return simulate ? join(simulatedDir(env), `${name}.json`) : resolve(`.fixed-ip/${name}.json`);
}

/** Where `--simulate` keeps its account and states. XDG says a relative $XDG_STATE_HOME is ignored. */
export function simulatedDir(env: NodeJS.ProcessEnv): string {
  // An environment with neither (one a caller made up, not a user's shell) means this process's.
  const xdg = env.XDG_STATE_HOME ?? (env.HOME === undefined ? process.env.XDG_STATE_HOME : undefined);
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'fixed-ip', 'simulated');
}

export class FileStateStore implements StateStore {
  readonly path: string;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    path: string,
    private readonly settings: LeaseSettings = {},
  ) {
    this.path = resolve(path);
  }

  async read(): Promise<StackState | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new FixedIpError('STATE_UNREADABLE', `cannot read state file ${this.path}`, {
        hint: `check its permissions; it was left as it is (${(error as Error).message})`,
        cause: error,
      });
    }
    const { state, migratedFrom } = decodeStateVersion(text, this.path);
    if (migratedFrom !== undefined) await keepOriginal(this.path, text, migratedFrom);
    return state;
  }

  /** Writes are serialised: steps running at once each record their resource in turn. */
  write(state: StackState): Promise<void> {
    const text = encodeState(state);
    const next = this.queue.then(async () => {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      await copyFile(this.path, `${this.path}.bak`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await writeFileAtomic(this.path, text, { mode: 0o600 });
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async remove(): Promise<void> {
    await this.queue;
    await rm(this.path, { force: true });
    await rm(`${this.path}.bak`, { force: true });
  }

  async readTombstone(): Promise<Tombstone | null> {
    const path = tombstoneOf(this.path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new FixedIpError('STATE_UNREADABLE', `cannot read ${path}`, {
        hint: `check its permissions; it was left as it is (${(error as Error).message})`,
        cause: error,
      });
    }
    return decodeTombstone(text, path);
  }

  async writeTombstone(tombstone: Tombstone): Promise<void> {
    await this.queue;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(tombstoneOf(this.path), encodeTombstone(tombstone), { mode: 0o600 });
  }

  async lock(stackName: string): Promise<Release> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const lease = await takeLease(await this.lease(stackName), stackName, this.path, this.settings);
    return () => lease.release();
  }

  lease(stackName: string): Promise<LeaseBackend> {
    return Promise.resolve(fileLease(`${this.path}.lock`, stackName));
  }
}

/**
 * A file from an older release is kept beside the state as `<state>.v<N>.bak` the first time it is
 * read; the state itself is rewritten in the new version only by the next write.
 */
async function keepOriginal(path: string, text: string, version: number): Promise<void> {
  try {
    await writeFile(`${path}.v${version}.bak`, text, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
