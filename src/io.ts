import type { Clock } from './ports/clock.js';

/**
 * What a run of the CLI is handed (its streams and environment) and the options every command
 * takes: shared by the entry point (cli.ts), the command runners (run.ts) and completion.
 */
export interface Io {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /**
   * The clock the run waits on: the real one unless given. Tests running main() in-process hand
   * it a virtual clock, so `--simulate`'s seconds of AWS waits pass at once.
   */
  clock?: Clock;
}

export interface GlobalOptions {
  name: string;
  state?: string;
  region?: string;
  profile?: string;
  debug?: boolean;
  simulate?: boolean;
  color?: boolean;
  yes?: boolean;
}
