// Registers aws-sdk-client-mock-vitest's matchers (toHaveReceivedCommandWith…): importing
// 'extend' runs expect.extend(allCustomMatcherWithAliases) and brings its type declarations.
import 'aws-sdk-client-mock-vitest/extend';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `--simulate` keeps its account under $XDG_STATE_HOME (else ~/.local/state): a run a test starts
// without its own folder for it writes here, never into the real home.
process.env.XDG_STATE_HOME = join(tmpdir(), `fixed-ip-test-state-${process.pid}`);
