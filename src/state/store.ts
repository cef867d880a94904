import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { FixedIpError } from '../errors.js';
import { parseState } from './migrate.js';
import { type StackState, STATE_VERSION } from './schema.js';
import { acquireLock, type Release } from './lock.js';

/** Where a stack's state lives. Reads validate; writes are atomic and keep the previous version. */
export interface StateStore {
  readonly path: string;
  /** null only when there is no file (ENOENT); anything unreadable is an error, never "empty". */
  read(): Promise<StackState | null>;
  write(state: StackState): Promise<void>;
  remove(): Promise<void>;
  /** Holds the stack for this process; a second run stops at once with who holds it. */
  lock(stackName: string): Promise<Release>;
}

export function defaultStatePath(name: string, simulate: boolean): string {
  return resolve(simulate ? `.fixed-ip/simulated/${name}.json` : `.fixed-ip/${name}.json`);
}

export class FileStateStore implements StateStore {
  readonly path: string;
  private queue: Promise<void> = Promise.resolve();

  constructor(path: string) {
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
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw invalid(this.path, 'it is not valid JSON', error);
    }
    const parsed = parseState(json);
    if ('state' in parsed) {
      if (parsed.migratedFrom !== undefined) await this.keepOriginal(text, parsed.migratedFrom);
      return parsed.state;
    }
    if (parsed.problem.startsWith('newer:')) {
      throw new FixedIpError(
        'STATE_NEWER',
        `state file ${this.path} was written by a newer fixed-ip (state version ${parsed.problem.slice(6)}, this one reads ${STATE_VERSION})`,
        { hint: 'upgrade fixed-ip (npx fixed-ip@latest); the file was left as it is' },
      );
    }
    throw invalid(this.path, parsed.problem);
  }

  /**
   * A file from an older release is kept beside the state as `<state>.v<N>.bak` the first time it
   * is read; the state itself is rewritten in the new version only by the next write.
   */
  private async keepOriginal(text: string, version: number): Promise<void> {
    const backup = `${this.path}.v${version}.bak`;
    try {
      await writeFile(backup, text, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }

  /** Writes are serialised: steps running at once each record their resource in turn. */
  write(state: StackState): Promise<void> {
    const text = `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2)}\n`;
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

  async lock(stackName: string): Promise<Release> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    return acquireLock(`${this.path}.lock`, stackName);
  }
}

function invalid(path: string, problem: string, cause?: unknown): FixedIpError {
  return new FixedIpError('STATE_INVALID', `state file ${path} is not a fixed-ip state file: ${problem}`, {
    hint: 'fix or move it away (the stack can be found again by its tags with --name); it was left as it is',
    cause,
  });
}
