import { badOption } from '../errors.js';
import type { Message } from '../ports/ui.js';
import { customS3Endpoint, parseStateLocation, type StateSetting } from './location.js';
import type { S3Send } from '../aws/s3-port.js';
import { defaultStatePath, FileStateStore, type StateStore } from './store.js';

export interface StoreFactoryOptions {
  /** FIXED_IP_STATE or the project file's "state", used when a command has no --state. */
  fallback: StateSetting | undefined;
  /** Every other state setting this run names (--state, --to): checked up front, before any work. */
  settings: ReadonlyArray<StateSetting | undefined>;
  stackName: string;
  simulate: boolean;
  env: NodeJS.ProcessEnv;
  command: string;
  notify: (message: Message) => void;
  /** Builds the S3 client; called only for an s3:// state, once. */
  s3: () => Promise<S3Send>;
  whoAmI: () => Promise<string | undefined>;
}

export type OpenStore = (name: string, path: string | undefined) => StateStore;

/**
 * `openStore` for the commands: a local file, or an S3 object for an s3:// setting. Bad settings
 * stop the run here (one line, exit 2); the S3 store, and the S3 SDK behind it, load only when used.
 */
export async function storeFactory(options: StoreFactoryOptions): Promise<OpenStore> {
  const settings = [...options.settings, options.fallback].filter((s): s is StateSetting => s !== undefined);
  const s3Settings = settings.filter(
    (setting) => parseStateLocation(setting.value, options.stackName, setting.source).kind === 's3',
  );
  const first = s3Settings[0];
  if (first && options.simulate && !customS3Endpoint(options.env)) {
    throw badOption(
      `--simulate makes no AWS calls, so it cannot keep its state in ${first.value} (${first.source})`,
      'drop --simulate, use a local --state, or point AWS_ENDPOINT_URL_S3 at a local S3 (moto, MinIO)',
    );
  }
  const s3Store = s3Settings.length > 0 ? await import('./s3-store.js') : undefined;
  let client: Promise<S3Send> | undefined;
  return (name, path) => {
    const setting = path === undefined ? options.fallback : { value: path, source: '--state' };
    // A local lock names the command; who runs it is the user of this machine.
    const lease = { command: options.command, notify: options.notify };
    if (setting === undefined)
      return new FileStateStore(defaultStatePath(name, options.simulate, options.env), lease);
    const location = parseStateLocation(setting.value, name, setting.source);
    if (location.kind === 'file') return new FileStateStore(location.path, lease);
    const { S3StateStore } = s3Store ?? failUnchecked(setting.value);
    return new S3StateStore({
      bucket: location.bucket,
      key: location.key,
      s3: () => (client ??= options.s3()),
      whoAmI: options.whoAmI,
      command: options.command,
      notify: options.notify,
    });
  };
}

function failUnchecked(setting: string): never {
  throw badOption(`internal: the state setting ${setting} was not checked before the run`);
}
