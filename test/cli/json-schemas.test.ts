import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { AwsSimulator } from '@fixed-ip/simulator';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonCommands } from '../../scripts/docs/pages.js';
import { ExitCode } from '../../src/errors.js';
import { COMMAND_JSON, ERROR_JSON, jsonSchemaOf, type JsonSchemaEntry } from '../../src/json-schemas.js';
import { realClock } from '../../src/ports/clock.js';
import { accountPath, DEMO_TIMINGS } from '../../src/simulate.js';
import { cliNow, inTempDirectory, runMain, type Outcome } from '../support/main.js';

/**
 * Every command's real `--json` output, in the simulated account, against its JSON Schema
 * (docs/json-schema/, from src/json-schemas.ts) with ajv's draft 2020-12 build: success, a re-run that
 * changes nothing, drift, a changed allowlist, teardown, errors. The schemas' objects are closed, so a
 * field printed but not described fails here too.
 */

inTempDirectory('fixed-ip-json-schema-');

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validators = new Map<JsonSchemaEntry, ValidateFunction>();
const validatorOf = (item: JsonSchemaEntry): ValidateFunction => {
  let validate = validators.get(item);
  if (!validate) {
    validate = ajv.compile(jsonSchemaOf(item));
    validators.set(item, validate);
  }
  return validate;
};

/** The commands whose success output a test here held to its schema. */
const seen = new Set<string>();

/** The one object on stdout (iam-policy prints it over several lines). */
function parsed(run: Outcome): unknown {
  expect(run.stdout.trim(), run.stderr).not.toBe('');
  return JSON.parse(run.stdout) as unknown;
}

function errorsOf(validate: ValidateFunction): string {
  return ajv.errorsText(validate.errors, { separator: '\n' });
}

/** Runs `fixed-ip <command> …args --json` and holds what it printed to the command's schema (or the error's). */
async function checked(
  command: string,
  args: string[],
  exit: number = ExitCode.ok,
): Promise<Record<string, unknown>> {
  const run = await runMain([...command.split(' '), ...args, '--json']);
  expect(run.code, run.stderr).toBe(exit);
  const output = parsed(run);
  const item = exit === ExitCode.ok || !isError(output) ? COMMAND_JSON[command] : ERROR_JSON;
  expect(item, `no schema for fixed-ip ${command}`).toBeDefined();
  const validate = validatorOf(item);
  expect(validate(output), `fixed-ip ${command} ${args.join(' ')}:\n${errorsOf(validate)}`).toBe(true);
  if (item !== ERROR_JSON) seen.add(command);
  return output as Record<string, unknown>;
}

const isError = (output: unknown): boolean =>
  typeof output === 'object' && output !== null && 'error' in output;

/** The simulated account of a region, changed by hand as someone would outside fixed-ip. */
async function byHand(region: string, change: (sim: AwsSimulator) => Promise<void>): Promise<void> {
  const path = accountPath(region, { XDG_STATE_HOME: join(process.cwd(), '.state') });
  const clock = { ...realClock, now: cliNow };
  const sim = AwsSimulator.fromJSON(JSON.parse(readFileSync(path, 'utf8')), { clock, timings: DEMO_TIMINGS });
  await change(sim);
  writeFileSync(path, JSON.stringify(sim.toJSON()));
}

describe('every command that takes --json has a schema', () => {
  it('the commands commander defines with --json are the commands with a schema, and no more', () => {
    const commands = jsonCommands();
    expect(commands).toContain('state move');
    const missing = commands.filter((command) => !COMMAND_JSON[command]);
    expect(missing, 'these commands print JSON but have no schema in src/json-schemas.ts').toEqual([]);
    expect(Object.keys(COMMAND_JSON).filter((command) => !commands.includes(command))).toEqual([]);
  });

  it('each schema is draft 2020-12, with an $id, a title and a description, and ajv compiles it in strict mode', () => {
    for (const item of [...Object.values(COMMAND_JSON), ERROR_JSON]) {
      const schema = jsonSchemaOf(item);
      expect(schema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: expect.stringMatching(/^urn:fixed-ip:json-schema:[a-z-]+$/) as unknown,
        title: expect.any(String) as unknown,
        description: expect.any(String) as unknown,
      });
      // Closed: the object, or each object it may be (iam-policy: a policy, or the CI role's two).
      const shapes = (schema.anyOf as Array<Record<string, unknown>> | undefined) ?? [schema];
      for (const shape of shapes) expect(shape, item.file).toMatchObject({ additionalProperties: false });
      expect(() => validatorOf(item)).not.toThrow();
    }
  });
});

describe('real outputs against their schemas', () => {
  const region = ['--simulate', '--region', 'eu-west-3'];
  const stack: Record<string, unknown> = {};

  beforeAll(async () => {
    // The stack the day-two checks below share: one zone, orders-api.
    Object.assign(
      stack,
      await checked('setup', ['--yes', '--function', 'orders-api', '--azs', '1', ...region]),
    );
  }, 120_000);

  it('plan of a new stack, setup, a re-run that changes nothing, plan of the stack as it is', async () => {
    const fresh = await checked('plan', ['--name', 'second', '--function', 'billing-webhook', ...region]);
    expect(fresh.wouldSucceed).toBe(true);
    let pool = '';
    await byHand('eu-west-3', (sim) => {
      pool = sim.addAddressPool({ type: 'byoip', cidr: '198.18.0.0/29' });
      return Promise.resolve();
    });
    const fromPool = await checked('plan', [
      '--name',
      'third',
      '--function',
      'billing-webhook',
      '--eip-pool',
      pool,
      ...region,
    ]);
    expect(fromPool.ips).toContainEqual(expect.objectContaining({ status: 'new', pool }));
    expect(stack).toMatchObject({ changed: true, natMode: 'gateway' });
    const again = await checked('setup', ['--yes', '--verify', ...region]);
    expect(again.changed).toBe(false);
    expect(again.verify).toMatchObject({ ok: true });
    const planned = await checked('plan', region);
    expect(planned.changes).toEqual({ add: 0, change: 0, remove: 0 });
    expect((planned.cost as { nowMonthlyUsd: number }).nowMonthlyUsd).toBe(planned.monthlyCostUsd);
  }, 120_000);

  it('status healthy, with --expect-ips changed (exit 8), and drifted (exit 3); verify, and verify with --expect-ips changed', async () => {
    expect(await checked('status', region)).toMatchObject({ healthy: true });
    const changed = await checked(
      'status',
      [...region, '--expect-ips', '203.0.113.10'],
      ExitCode.allowlistChanged,
    );
    expect(changed).toMatchObject({
      code: 'ALLOWLIST_CHANGED',
      allowlist: { ok: false, source: '--expect-ips' },
    });
    expect(await checked('verify', region)).toMatchObject({ ok: true });
    const verified = await checked(
      'verify',
      [...region, '--expect-ips', '203.0.113.10'],
      ExitCode.allowlistChanged,
    );
    expect(verified.code).toBe('ALLOWLIST_CHANGED');
    // Someone takes the function out of the VPC by hand.
    await byHand('eu-west-3', async (sim) => {
      await sim.handle('lambda', 'UpdateFunctionConfiguration', {
        FunctionName: 'orders-api',
        VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
      });
    });
    const drifted = await checked('status', region, ExitCode.drifted);
    expect(drifted.healthy).toBe(false);
    expect(drifted.problems).not.toEqual([]);
    // setup puts it back (the day-two checks below need it in).
    expect((await checked('setup', ['--yes', ...region])).changed).toBe(true);
  }, 120_000);

  it('a second stack, list with both, cost, export, attach, detach, unlock, state move', async () => {
    await checked('setup', [
      '--yes',
      '--name',
      'second',
      '--function',
      'billing-webhook',
      '--function',
      'report-builder',
      '--fix-role',
      '--azs',
      '1',
      ...region,
    ]);
    const listed = await checked('list', region);
    expect((listed.stacks as Array<{ name: string }>).map((s) => s.name).sort()).toEqual([
      'default',
      'second',
    ]);
    expect(await checked('cost', region)).toMatchObject({ currency: 'USD', natMode: 'gateway' });
    expect((await checked('cost', [...region, '--actual'])).actual).toBeDefined();
    const exported = await checked('export', [...region, '--format', 'terraform', '--out', 'tf']);
    expect(exported.files).not.toEqual([]);
    await checked('export', [...region, '--format', 'cloudformation', '--out', 'cfn']);
    expect(
      await checked('detach', ['--yes', '--name', 'second', '--function', 'report-builder', ...region]),
    ).toEqual({
      name: 'second',
      detached: ['report-builder'],
    });
    const attached = await checked('attach', [
      '--yes',
      '--name',
      'second',
      '--function',
      'report-builder',
      ...region,
    ]);
    expect(attached.functions).toEqual(['billing-webhook', 'report-builder']);
    expect(await checked('unlock', ['--yes', '--name', 'second', ...region])).toEqual({
      name: 'second',
      removed: false,
    });
    await checked('state move', ['--name', 'second', '--to', 'moved/second.json', ...region]);
  }, 120_000);

  it('teardown --keep-eip, then teardown; forget, and teardown of the stack it handed over', async () => {
    const parked = await checked('teardown', ['--yes', '--keep-eip', ...region]);
    expect(parked.finished).toBe(false);
    const status = await checked('status', region);
    expect(status.parked).toBe(true);
    const gone = await checked('teardown', ['--yes', ...region]);
    expect(gone.finished).toBe(true);
    const forgot = await checked('forget', [
      '--yes',
      '--name',
      'second',
      '--state',
      'moved/second.json',
      ...region,
    ]);
    expect(forgot.forgotten).toBe(true);
    const handedOver = await checked('teardown', [
      '--yes',
      '--name',
      'second',
      '--state',
      'moved/second.json',
      ...region,
    ]);
    expect(handedOver.forgotten).toBe(true);
  }, 120_000);

  it('iam-policy, every --for, and with an S3 state', async () => {
    await checked('iam-policy', []);
    for (const scope of ['setup', 'status', 'teardown', 'verify', 'cost', 'export', 'forget', 'nat-instance'])
      await checked('iam-policy', ['--for', scope]);
    await checked('iam-policy', ['--state', 's3://team-state/fixed-ip/prod.json']);
    await checked('iam-policy', ['--for', 'ci']);
    const ci = await checked('iam-policy', [
      '--for',
      'ci',
      '--repo',
      'octo-org/payments',
      '--account',
      '123456789012',
    ]);
    expect(Object.keys(ci)).toEqual(['permissionsPolicy', 'trustPolicy']);
  });

  it('ci github: the workflow written for a stack, from the stated list or the config file', async () => {
    const role = ['--role-arn', 'arn:aws:iam::123456789012:role/fixed-ip-ci'];
    const written = await checked('ci github', [
      ...role,
      '--expect-ips',
      '203.0.113.10',
      '--region',
      'eu-west-3',
    ]);
    expect(written).toMatchObject({
      expectIps: ['203.0.113.10'],
      expectIpsSource: '--expect-ips',
      state: null,
    });
    mkdirSync('.fixed-ip', { recursive: true });
    writeFileSync('.fixed-ip/config.json', JSON.stringify({ expectIps: { default: ['203.0.113.11'] } }));
    const fromConfig = await checked('ci github', [...role, '--region', 'eu-west-3', '--force']);
    expect(fromConfig).toMatchObject({ expectIpsSource: '.fixed-ip/config.json' });
    rmSync('.fixed-ip/config.json');
  }, 120_000);

  it('errors: an unknown flag, a bad value, no stack, a function that does not exist', async () => {
    const usage = await checked('teardown', ['--wat'], ExitCode.usage);
    expect(usage.error).toMatchObject({ code: 'USAGE' });
    await checked('setup', ['--simulate', '--azs', 'x'], ExitCode.usage);
    await checked('status', ['--name', 'nope', ...region], ExitCode.noStack);
    await checked('state move', ['--name', 'nope', '--to', 'x.json', ...region], ExitCode.noStack);
    await checked('iam-policy', ['--for', 'nope'], ExitCode.usage);
    const missing = await checked(
      'plan',
      ['--name', 'third', '--function', 'nope', ...region],
      ExitCode.usage,
    );
    expect(missing.error).toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
  }, 120_000);

  it('every command that takes --json was held to its schema above', () => {
    expect(jsonCommands().filter((command) => !seen.has(command))).toEqual([]);
  });
});

describe('the schemas can fail', () => {
  const statusLike = {
    name: 'default',
    region: 'eu-west-1',
    removed: false,
  };

  it('a missing required field, an unknown field, a wrong enum and a wrong exit code for the error code are refused', () => {
    const unlock = validatorOf(COMMAND_JSON.unlock);
    expect(unlock({ name: 'default', removed: false })).toBe(true);
    expect(unlock({ name: 'default' })).toBe(false);
    expect(errorsOf(unlock)).toMatch(/must have required property 'removed'/);
    expect(unlock(statusLike)).toBe(false);
    expect(errorsOf(unlock)).toMatch(/must NOT have additional properties/);

    const teardown = validatorOf(COMMAND_JSON.teardown);
    const down = {
      name: 'default',
      finished: true,
      removed: [],
      kept: [],
      resources: [{ kind: 'natGateway', id: 'nat-1', action: 'deleted' }],
      elasticIps: [],
      monthlyCostUsd: 0,
      stateFile: '.fixed-ip/default.json',
    };
    expect(teardown(down), errorsOf(teardown)).toBe(true);
    expect(teardown({ ...down, resources: [{ kind: 'natGateway', id: 'nat-1', action: 'removed' }] })).toBe(
      false,
    );

    const error = validatorOf(ERROR_JSON);
    expect(error({ error: { code: 'NO_STACK', message: 'no stack', exitCode: 4 } })).toBe(true);
    expect(error({ error: { code: 'NO_STACK', message: 'no stack', exitCode: 1 } })).toBe(false);
    expect(error({ error: { code: 'NOPE', message: 'no stack', exitCode: 4 } })).toBe(false);
  });
});
