import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { teardown } from '../../src/commands/teardown.js';
import { AbortError, ExitCode, type FixedIpError } from '../../src/errors.js';
import type { Question } from '../../src/ports/ui.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';
import type { ScriptedAnswer } from '../support/recording-ui.js';

/** Every question an interactive setup can ask, in order. */
const EVERY_QUESTION = [
  'setup.functions',
  'setup.vpc',
  'setup.az',
  'setup.public-cidr',
  'setup.private-cidr',
  'setup.eip',
  'setup.fix-role',
  'setup.confirm',
];

/**
 * Interactive setup and teardown through the UI port: a person at a terminal, played by scripted
 * answers keyed by question code. Only the flags that were not given turn into questions.
 */

let account: TestAccount;
let appVpc: string;
let defaultVpc: string;

const ZONE = 'ap-northeast-1a';

/** What `fixed-ip setup` with no flags passes on. */
const bare = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: [],
  name: 'default',
  ...extra,
});

/** A terminal run: the recording UI is interactive and answers from `answers`. */
function terminal(
  answers: Record<string, ScriptedAnswer> = {},
  extra: { cancelAt?: string; useDefaults?: boolean } = {},
) {
  return account.deps({ interactive: true, answers, ...extra });
}

const snapshot = (): string => JSON.stringify(account.sim.snapshot());

function asked(deps: ReturnType<typeof terminal>): string[] {
  return deps.recording.questions.map((q) => q.code);
}

function question(deps: ReturnType<typeof terminal>, code: string): Question {
  const found = deps.recording.questions.find((q) => q.code === code);
  if (!found) throw new Error(`question ${code} was not asked; asked: ${asked(deps).join(', ')}`);
  return found;
}

function choiceValues(q: Question): string[] {
  return q.kind === 'select' || q.kind === 'multiselect' ? q.choices.map((c) => c.value) : [];
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

beforeEach(() => {
  account = createTestAccount();
  defaultVpc = account.sim.addVpc({
    cidr: '172.31.0.0/16',
    isDefault: true,
    withInternetGateway: true,
    withDefaultSubnets: true,
  });
  appVpc = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
  account.sim.addFunction({ name: 'billing', runtime: 'python3.12', roleHasVpcAccess: true });
});

afterEach(() => account.restore());

describe('interactive setup', () => {
  it('asks every question when no flag is given, in the article order, and builds what was answered', async () => {
    account.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
    const spare = account.sim.addAddress();
    const deps = terminal({
      'setup.functions': ['orders-api', 'no-access'],
      'setup.vpc': appVpc,
      'setup.az': 'ap-northeast-1c',
      'setup.public-cidr': '10.0.10.0/24',
      'setup.private-cidr': '10.0.11.0/24',
      'setup.eip': spare.allocationId,
      'setup.fix-role': true,
      'setup.confirm': true,
    });
    const result = await setup(bare(), deps);

    expect(asked(deps)).toEqual(EVERY_QUESTION);
    // Every question carries a default, so --yes and a non-terminal run have an answer.
    for (const q of deps.recording.questions) expect(q.default).toBeDefined();
    // The account, caller and region open the conversation, before any question.
    expect(deps.recording.codes()[0]).toBe('setup.who');

    const state = account.readState();
    expect(state?.vpc?.id).toBe(appVpc);
    expect(state?.publicSubnet).toMatchObject({ cidr: '10.0.10.0/24', az: 'ap-northeast-1c' });
    expect(state?.privateSubnet).toMatchObject({ cidr: '10.0.11.0/24', az: 'ap-northeast-1c' });
    expect(state?.elasticIp).toMatchObject({ id: spare.allocationId, owned: false });
    expect(result.elasticIp).toBe(spare.publicIp);
    expect(Object.keys(state?.functions ?? {}).sort()).toEqual(['no-access', 'orders-api']);
    expect(mutatingCalls(account.sim)).toContain('AttachRolePolicy');
    expect(mutatingCalls(account.sim)).not.toContain('AllocateAddress');
    expect(deps.recording.emphasized).toEqual([`Allowlist this IP: ${spare.publicIp}`]);
  });

  it('opens with the account, the caller, the region and the profile', async () => {
    const deps = terminal({ 'setup.functions': ['orders-api'] }, { useDefaults: true });
    await rejection(setup(bare({ profile: 'dev' }), deps));
    const who = deps.recording.messages[0];
    expect(who?.code).toBe('setup.who');
    expect(who?.text).toContain(account.sim.accountId);
    expect(who?.text).toMatch(/arn:aws:(iam|sts)::\d{12}:/);
    expect(who?.text).toContain('ap-northeast-1');
    expect(who?.text).toContain('profile dev');
  });

  it('offers every function with its runtime and whether it is in a VPC, searchable and multi-select', async () => {
    const subnet = account.sim.addSubnet({ vpcId: appVpc, cidr: '10.0.0.0/24', az: ZONE });
    const group = account.sim.addSecurityGroup({ vpcId: appVpc, name: 'app' });
    account.sim.addFunction({
      name: 'in-app',
      runtime: 'nodejs22.x',
      roleHasVpcAccess: true,
      vpc: { subnetIds: [subnet], securityGroupIds: [group] },
    });
    const deps = terminal({ 'setup.functions': ['orders-api'] }, { useDefaults: true });
    await rejection(setup(bare(), deps)); // the default confirm is No

    const q = question(deps, 'setup.functions');
    expect(q.kind).toBe('multiselect');
    expect(q.default).toEqual([]);
    const names = q.kind === 'multiselect' ? q.choices.map((c) => c.name) : [];
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^orders-api .*nodejs20\.x.*not in a VPC/),
        expect.stringMatching(/^billing .*python3\.12.*not in a VPC/),
        expect.stringMatching(new RegExp(`^in-app .*nodejs22\\.x.*${appVpc}`)),
      ]),
    );
    // An empty pick is refused by the question itself.
    expect(q.kind === 'multiselect' && q.validate?.([])).toEqual(expect.any(String));
  });

  it('offers every function of the region, across ListFunctions pages', async () => {
    const extra = Array.from({ length: 123 }, (_, i) => `fn-${String(i).padStart(3, '0')}`);
    for (const name of extra) account.sim.addFunction({ name, roleHasVpcAccess: true });
    const deps = terminal({ 'setup.functions': ['fn-122'] }, { useDefaults: true });
    await rejection(setup(bare(), deps));

    const offered = choiceValues(question(deps, 'setup.functions'));
    expect(offered).toHaveLength(125);
    expect(offered).toEqual(expect.arrayContaining([...extra, 'orders-api', 'billing']));
    expect(account.sim.calls.filter((c) => c.operation === 'ListFunctions').length).toBeGreaterThanOrEqual(3);
  });

  it('says so when the region has no function to offer, instead of a question no answer passes', async () => {
    // A fresh account with no function at all (the mocks are class-level: one account at a time).
    account.restore();
    account = createTestAccount();
    account.sim.addVpc({ cidr: '10.0.0.0/16' });
    const deps = terminal({});
    const error = await rejection(setup(bare(), deps));
    expect((error as FixedIpError).code).toBe('FUNCTION_NOT_FOUND');
    expect((error as FixedIpError).line).toMatch(
      /no Lambda functions or ECS services in ap-northeast-1.*--region/,
    );
    expect(deps.recording.questions).toEqual([]);
  });

  it('lists the VPCs with Name, CIDR and default, plus a new one; preselects the default VPC', async () => {
    const deps = terminal({ 'setup.functions': ['orders-api'] }, { useDefaults: true });
    await rejection(setup(bare(), deps));

    const q = question(deps, 'setup.vpc');
    expect(q.kind).toBe('select');
    expect(q.default).toBe(defaultVpc);
    const choices = q.kind === 'select' ? q.choices : [];
    expect(choices.map((c) => c.value)).toEqual(expect.arrayContaining([defaultVpc, appVpc, 'new']));
    expect(choices.find((c) => c.value === appVpc)?.name).toMatch(/"app".*10\.0\.0\.0\/16/);
    expect(choices.find((c) => c.value === defaultVpc)?.name).toMatch(/172\.31\.0\.0\/16.*default/);
    expect(choices.find((c) => c.value === 'new')?.name).toMatch(/new VPC/i);
  });

  it('preselects the VPC a chosen function already sits in', async () => {
    const subnet = account.sim.addSubnet({ vpcId: appVpc, cidr: '10.0.0.0/24', az: ZONE });
    const group = account.sim.addSecurityGroup({ vpcId: appVpc, name: 'app' });
    account.sim.addFunction({
      name: 'in-app',
      roleHasVpcAccess: true,
      vpc: { subnetIds: [subnet], securityGroupIds: [group] },
    });
    const deps = terminal({ 'setup.functions': ['in-app'] }, { useDefaults: true });
    await rejection(setup(bare(), deps));

    expect(question(deps, 'setup.vpc').default).toBe(appVpc);
    // …and the prefilled CIDRs are the first free /24s around the subnet already there.
    expect(question(deps, 'setup.public-cidr').default).toBe('10.0.1.0/24');
    expect(question(deps, 'setup.private-cidr').default).toBe('10.0.2.0/24');
  });

  it('refuses a function of another stack before asking where to build', async () => {
    await setup({ functions: ['billing'], vpc: appVpc, name: 'other', yes: true }, account.deps());
    const before = snapshot();
    const deps = terminal({ 'setup.functions': ['billing'] }, { useDefaults: true });
    const error = await rejection(setup(bare(), deps));
    expect((error as FixedIpError).code).toBe('FUNCTION_IN_OTHER_STACK');
    expect(asked(deps)).toEqual(['setup.functions']);
    expect(snapshot()).toBe(before);
  });

  it('the zone question speaks of every zone that is built', async () => {
    const two = terminal({ 'setup.functions': ['orders-api'], 'setup.confirm': true }, { useDefaults: true });
    await setup(bare(), two);
    expect(question(two, 'setup.az').kind === 'select' && question(two, 'setup.az').message).toMatch(
      /^First of the 2 Availability Zones\?/,
    );
    expect(account.readState()?.shape.zones).toHaveLength(2);
    await teardown({ name: 'default', yes: true }, account.deps());
    const one = terminal({ 'setup.functions': ['orders-api'], 'setup.confirm': true }, { useDefaults: true });
    await setup(bare({ azs: 1 }), one);
    expect(question(one, 'setup.az').message).not.toMatch(/both|First/);
    expect(account.readState()?.shape.zones).toHaveLength(1);
  });

  it('prefills the first free /24 blocks and the first zone, and builds them when accepted', async () => {
    const deps = terminal(
      { 'setup.functions': ['orders-api'], 'setup.confirm': true },
      { useDefaults: true },
    );
    await setup(bare(), deps);

    expect(question(deps, 'setup.az')).toMatchObject({ default: ZONE });
    expect(choiceValues(question(deps, 'setup.az'))).toEqual([
      'ap-northeast-1a',
      'ap-northeast-1c',
      'ap-northeast-1d',
    ]);
    // The default VPC's three /20s fill 172.31.0.0-172.31.47.255.
    expect(question(deps, 'setup.public-cidr').default).toBe('172.31.48.0/24');
    expect(question(deps, 'setup.private-cidr').default).toBe('172.31.49.0/24');
    expect(question(deps, 'setup.confirm').default).toBe(false);
    const state = account.readState();
    expect(state?.vpc?.id).toBe(defaultVpc);
    expect(state?.publicSubnet).toMatchObject({ cidr: '172.31.48.0/24', az: ZONE });
    expect(state?.privateSubnet).toMatchObject({ cidr: '172.31.49.0/24', az: ZONE });
    // A default VPC already has its gateway: reused, not created.
    expect(state?.internetGateway?.owned).toBe(false);
  });

  it('rejects typed CIDRs that overlap, fall outside the VPC or are too small, and uses the retyped value', async () => {
    const theirs = account.sim.addSubnet({ vpcId: appVpc, cidr: '10.0.0.0/24', az: ZONE });
    const deps = terminal({
      'setup.functions': ['orders-api'],
      'setup.vpc': appVpc,
      'setup.az': ZONE,
      // overlap with 10.0.0.0/24, outside 10.0.0.0/16, /29, the second zone's block, then good
      'setup.public-cidr': ['10.0.0.128/25', '10.1.0.0/24', '10.0.7.0/29', '10.0.3.0/24', '10.0.7.0/24'],
      // overlaps the public block just chosen, then good
      'setup.private-cidr': ['10.0.7.0/25', '10.0.8.0/24'],
      'setup.confirm': true,
    });
    await setup(bare(), deps);

    const errors = deps.recording.validationErrors;
    expect(errors.map((e) => [e.code, e.value])).toEqual([
      ['setup.public-cidr', '10.0.0.128/25'],
      ['setup.public-cidr', '10.1.0.0/24'],
      ['setup.public-cidr', '10.0.7.0/29'],
      ['setup.public-cidr', '10.0.3.0/24'],
      ['setup.private-cidr', '10.0.7.0/25'],
    ]);
    // Each overlap names what really holds the block: a subnet by its id, never a made-up "existing subnet".
    expect(errors[0]?.reason).toMatch(
      new RegExp(
        `^public subnet CIDR 10\\.0\\.0\\.128/25: overlaps subnet ${theirs} \\(10\\.0\\.0\\.0/24\\);`,
      ),
    );
    expect(errors[1]?.reason).toMatch(/not inside the VPC's CIDR \(10\.0\.0\.0\/16\)/);
    expect(errors[2]?.reason).toMatch(/\/16 to \/28/);
    expect(errors[3]?.reason).toMatch(
      /^public subnet CIDR 10\.0\.3\.0\/24: overlaps the block chosen for the private subnet in ap-northeast-1c \(10\.0\.3\.0\/24\);/,
    );
    expect(errors[4]?.reason).toMatch(
      /^private subnet CIDR 10\.0\.7\.0\/25: overlaps the public subnet CIDR 10\.0\.7\.0\/24 you gave;/,
    );
    const state = account.readState();
    expect(state?.publicSubnet?.cidr).toBe('10.0.7.0/24');
    expect(state?.privateSubnet?.cidr).toBe('10.0.8.0/24');
  });

  it('takes a typed CIDR with stray spaces as the block it names', async () => {
    const deps = terminal(
      {
        'setup.functions': ['orders-api'],
        'setup.vpc': appVpc,
        'setup.public-cidr': ' 10.0.20.0/24 ',
        'setup.private-cidr': '10.0.21.0/24  ',
        'setup.confirm': true,
      },
      { useDefaults: true },
    );
    await setup(bare(), deps);
    const state = account.readState();
    expect(state?.publicSubnet?.cidr).toBe('10.0.20.0/24');
    expect(state?.privateSubnet?.cidr).toBe('10.0.21.0/24');
  });

  it('takes a --public-cidr flag with stray spaces as the block it names while asking for the private one', async () => {
    const deps = terminal(
      { 'setup.functions': ['orders-api'], 'setup.vpc': appVpc, 'setup.confirm': true },
      { useDefaults: true },
    );
    await setup(bare({ publicCidr: ' 10.0.50.0/24' }), deps);
    expect(asked(deps)).toContain('setup.private-cidr');
    expect(account.readState()?.publicSubnet?.cidr).toBe('10.0.50.0/24');
  });

  it('refuses a typed public CIDR that overlaps the --private-cidr given', async () => {
    const deps = terminal(
      {
        'setup.functions': ['orders-api'],
        'setup.vpc': appVpc,
        'setup.public-cidr': ['10.0.41.0/24', '10.0.42.0/24'],
        'setup.confirm': true,
      },
      { useDefaults: true },
    );
    await setup(bare({ privateCidr: '10.0.41.0/24' }), deps);
    expect(deps.recording.validationErrors.map((e) => e.value)).toEqual(['10.0.41.0/24']);
    expect(deps.recording.validationErrors[0]?.reason).toMatch(/overlaps/);
    expect(asked(deps)).not.toContain('setup.private-cidr');
    expect(account.readState()?.publicSubnet?.cidr).toBe('10.0.42.0/24');
    expect(account.readState()?.privateSubnet?.cidr).toBe('10.0.41.0/24');
  });

  it('creates a new VPC when asked to, and prefills its first blocks', async () => {
    const deps = terminal(
      { 'setup.functions': ['orders-api'], 'setup.vpc': 'new', 'setup.confirm': true },
      { useDefaults: true },
    );
    await setup(bare(), deps);
    expect(question(deps, 'setup.public-cidr').default).toBe('10.0.0.0/24');
    expect(question(deps, 'setup.private-cidr').default).toBe('10.0.1.0/24');
    const state = account.readState();
    expect(state?.vpc).toMatchObject({ owned: true, cidrs: ['10.0.0.0/16'] });
    expect(state?.vpc?.id).not.toBe(appVpc);
  });

  it('asks about an Elastic IP only when an unassociated one exists, defaulting to a new one', async () => {
    const without = terminal({ 'setup.functions': ['orders-api'] }, { useDefaults: true });
    await rejection(setup(bare(), without));
    expect(asked(without)).not.toContain('setup.eip');

    account.sim.addAddress({ associated: true });
    const spare = account.sim.addAddress();
    const withFree = terminal({ 'setup.functions': ['orders-api'] }, { useDefaults: true });
    await rejection(setup(bare(), withFree));
    const q = question(withFree, 'setup.eip');
    expect(q.default).toBe('new');
    // Only the unassociated address is offered.
    expect(choiceValues(q)).toEqual(['new', spare.allocationId]);
  });

  it('allocates a new Elastic IP when the offered one is declined', async () => {
    const spare = account.sim.addAddress();
    const deps = terminal(
      { 'setup.functions': ['orders-api'], 'setup.eip': 'new', 'setup.confirm': true },
      { useDefaults: true },
    );
    const result = await setup(bare(), deps);
    expect(result.elasticIp).not.toBe(spare.publicIp);
    expect(account.readState()?.elasticIp?.owned).toBe(true);
    expect(mutatingCalls(account.sim).filter((op) => op === 'AllocateAddress')).toHaveLength(1);
  });

  it('stops before any change when fixing the role is declined', async () => {
    account.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
    const before = snapshot();
    const deps = terminal(
      { 'setup.functions': ['no-access'], 'setup.fix-role': false },
      { useDefaults: true },
    );
    const error = await rejection(setup(bare(), deps));
    expect((error as FixedIpError).code).toBe('ROLE_LACKS_PERMISSIONS');
    expect((error as FixedIpError).exitCode).toBe(6);
    expect(asked(deps)).not.toContain('setup.confirm');
    expect(snapshot()).toBe(before);
    expect(account.readState()).toBeUndefined();
  });

  it('fixing the role is the default answer, since No stops setup', async () => {
    account.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
    const deps = terminal({ 'setup.functions': ['no-access'], 'setup.confirm': true }, { useDefaults: true });
    await setup(bare(), deps);
    expect(question(deps, 'setup.fix-role').default).toBe(true);
    expect(question(deps, 'setup.fix-role').message).toMatch(/No stops setup/);
    expect(mutatingCalls(account.sim)).toContain('AttachRolePolicy');
    expect(Object.keys(account.readState()?.functions ?? {})).toEqual(['no-access']);
  });

  it('shows the plan, create or reuse per step, the function move last and the monthly cost, before the confirm', async () => {
    const deps = terminal(
      { 'setup.functions': ['orders-api'], 'setup.vpc': defaultVpc, 'setup.confirm': false },
      { useDefaults: true },
    );
    await rejection(setup(bare(), deps));
    const messages = deps.recording.messages;
    const plan = messages.find((m) => m.code === 'setup.plan');
    const rows = plan?.data as Array<{ key: string; action: string }>;
    expect(rows.at(-1)?.key).toBe('functions');
    expect(rows.find((r) => r.key === 'internetGateway')?.action).not.toBe('create');
    expect(rows.find((r) => r.key.startsWith('natGateway@'))?.action).toBe('create');
    const steps = messages.filter((m) => m.code === 'setup.plan.step').map((m) => m.text);
    expect(steps.at(-1)).toMatch(/orders-api/);
    expect(messages.find((m) => m.code === 'setup.plan.cost')?.text).toMatch(/USD/);
    const codes = deps.recording.codes();
    expect(codes.indexOf('setup.plan.cost')).toBeGreaterThan(codes.indexOf('setup.plan'));
    // The confirm comes after the plan and says what it costs.
    const confirm = question(deps, 'setup.confirm');
    expect(confirm.kind).toBe('confirm');
    expect(confirm.message).toMatch(/USD a month/);
  });

  it('declining the confirm cancels with nothing created', async () => {
    const before = snapshot();
    const deps = terminal(
      { 'setup.functions': ['orders-api'], 'setup.confirm': false },
      { useDefaults: true },
    );
    const error = await rejection(setup(bare(), deps));
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).message).toBe('Cancelled; nothing was changed');
    expect((error as AbortError).changed).toBe(false);
    expect((error as AbortError).exitCode).toBe(ExitCode.cancelled);
    expect(snapshot()).toBe(before);
    expect(mutatingCalls(account.sim)).toEqual([]);
    expect(account.readState()).toBeUndefined();
  });

  it.each(EVERY_QUESTION)(
    'Ctrl-C at %s cancels with nothing changed, and leaves no state or lock',
    async (code) => {
      account.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
      account.sim.addAddress();
      const before = snapshot();
      const deps = terminal(
        { 'setup.functions': ['no-access'], 'setup.fix-role': true, 'setup.confirm': true },
        { useDefaults: true, cancelAt: code },
      );
      const error = await rejection(setup(bare(), deps));
      expect(error).toBeInstanceOf(AbortError);
      expect((error as AbortError).message).toBe('Cancelled; nothing was changed');
      expect((error as AbortError).changed).toBe(false);
      expect(asked(deps).at(-1)).toBe(code);
      expect(snapshot()).toBe(before);
      expect(account.readState()).toBeUndefined();
      expect(existsSync(`${account.statePath()}.lock`)).toBe(false);
      // The lock was released: a second run goes through.
      await setup(bare({ functions: ['orders-api'], yes: true }), account.deps());
    },
  );

  it('asks nothing whose flag was given', async () => {
    account.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
    const spare = account.sim.addAddress();
    const deps = terminal({ 'setup.confirm': true });
    await setup(
      bare({
        functions: ['no-access'],
        vpc: appVpc,
        az: ['ap-northeast-1d'],
        publicCidr: '10.0.30.0/24',
        privateCidr: '10.0.31.0/24',
        eip: spare.allocationId,
        fixRole: true,
      }),
      deps,
    );
    expect(asked(deps)).toEqual(['setup.confirm']);
    const state = account.readState();
    expect(state?.publicSubnet).toMatchObject({ cidr: '10.0.30.0/24', az: 'ap-northeast-1d' });
    expect(state?.privateSubnet?.cidr).toBe('10.0.31.0/24');
    expect(state?.elasticIp?.id).toBe(spare.allocationId);
  });

  it.each<[string, Partial<SetupOptions>, string]>([
    ['--function', { functions: ['orders-api'] }, 'setup.functions'],
    ['--vpc', { vpc: 'APP' }, 'setup.vpc'],
    ['--new-vpc', { newVpc: true }, 'setup.vpc'],
    ['--az', { az: ['ap-northeast-1c'] }, 'setup.az'],
    ['--public-cidr', { publicCidr: '10.0.40.0/24' }, 'setup.public-cidr'],
    ['--private-cidr', { privateCidr: '10.0.41.0/24' }, 'setup.private-cidr'],
  ])('%s skips its question and only its question', async (_flag, given, skipped) => {
    const flags = { ...given, ...(given.vpc === 'APP' ? { vpc: appVpc } : {}) };
    const deps = terminal(
      { 'setup.functions': ['orders-api'], 'setup.vpc': appVpc, 'setup.confirm': true },
      { useDefaults: true },
    );
    await setup(bare(flags), deps);
    const all = [
      'setup.functions',
      'setup.vpc',
      'setup.az',
      'setup.public-cidr',
      'setup.private-cidr',
      'setup.confirm',
    ];
    expect(asked(deps)).toEqual(all.filter((code) => code !== skipped));
    if (given.publicCidr) expect(account.readState()?.publicSubnet?.cidr).toBe(given.publicCidr);
    if (given.privateCidr) expect(account.readState()?.privateSubnet?.cidr).toBe(given.privateCidr);
    if (given.az) expect(account.readState()?.publicSubnet?.az).toBe(given.az[0]);
  });

  it('--eip and --fix-role skip their questions', async () => {
    account.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
    const spare = account.sim.addAddress();
    const deps = terminal({ 'setup.functions': ['no-access'], 'setup.confirm': true }, { useDefaults: true });
    await setup(bare({ eip: spare.allocationId, fixRole: true }), deps);
    expect(asked(deps)).not.toContain('setup.eip');
    expect(asked(deps)).not.toContain('setup.fix-role');
    expect(account.readState()?.elasticIp?.id).toBe(spare.allocationId);
  });

  it('--yes in a terminal asks nothing and takes every default', async () => {
    account.sim.addAddress();
    const deps = terminal({});
    await setup(bare({ functions: ['orders-api'], yes: true }), deps);
    expect(deps.recording.questions).toEqual([]);
    const state = account.readState();
    expect(state?.vpc?.id).toBe(defaultVpc);
    expect(state?.publicSubnet).toMatchObject({ cidr: '172.31.48.0/24', az: ZONE });
    expect(state?.privateSubnet?.cidr).toBe('172.31.49.0/24');
    // The default for the Elastic IP question is a new one.
    expect(state?.elasticIp?.owned).toBe(true);
  });

  it('--yes without --function in a terminal is a clear error, not a question', async () => {
    const deps = terminal({});
    const error = await rejection(setup(bare({ yes: true }), deps));
    expect((error as FixedIpError).code).toBe('BAD_OPTION');
    expect((error as FixedIpError).line).toContain('--function');
    expect(deps.recording.questions).toEqual([]);
  });

  it('reuses the Elastic IP kept by teardown --keep-eip without asking', async () => {
    const first = await setup(bare({ functions: ['orders-api'], yes: true }), account.deps());
    await teardown({ name: 'default', yes: true, keepEip: true }, account.deps());
    account.sim.addAddress(); // another free one, to make sure the kept one wins without a question
    const deps = terminal(
      { 'setup.functions': ['orders-api'], 'setup.confirm': true },
      { useDefaults: true },
    );
    const second = await setup(bare(), deps);
    expect(asked(deps)).not.toContain('setup.eip');
    expect(second.elasticIp).toBe(first.elasticIp);
    expect(mutatingCalls(account.sim).filter((op) => op === 'AllocateAddress')).toHaveLength(1);
  });

  it('resuming a stack asks nothing already decided', async () => {
    await setup(bare({ functions: ['orders-api'], vpc: appVpc, yes: true }), account.deps());
    const deps = terminal({});
    const again = await setup(bare(), deps);
    expect(deps.recording.questions).toEqual([]);
    expect(again.changed).toBe(false);
  });
});

describe('interactive teardown', () => {
  beforeEach(async () => {
    await setup(bare({ functions: ['orders-api'], vpc: appVpc, yes: true }), account.deps());
  });

  it('lists what goes and what stays, then asks with default No', async () => {
    const deps = terminal({ 'teardown.confirm': true });
    const result = await teardown({ name: 'default' }, deps);
    expect(asked(deps)).toEqual(['teardown.confirm']);
    expect(question(deps, 'teardown.confirm')).toMatchObject({ kind: 'confirm', default: false });
    const codes = deps.recording.codes();
    expect(codes).toContain('teardown.plan.delete');
    expect(codes).toContain('teardown.plan.item');
    expect(codes).toContain('teardown.eip.warning');
    // The list is shown before the question is asked, i.e. before the first removal.
    expect(codes.indexOf('teardown.plan.delete')).toBeLessThan(
      codes.findIndex((c) => c.startsWith('teardown.removed.')),
    );
    const items = deps.recording.messages.filter((m) => m.code === 'teardown.plan.item').map((m) => m.text);
    expect(items.some((t) => /orders-api/.test(t))).toBe(true);
    expect(items.some((t) => /not made by fixed-ip/.test(t))).toBe(true); // the app VPC stays
    expect(question(deps, 'teardown.confirm').message).toMatch(/release the Elastic IP/);
    expect(result.finished).toBe(true);
  });

  it('with --keep-eip the question does not mention releasing it', async () => {
    const deps = terminal({ 'teardown.confirm': true });
    await teardown({ name: 'default', keepEip: true }, deps);
    expect(question(deps, 'teardown.confirm').message).not.toMatch(/release/);
    expect(deps.recording.codes()).toContain('teardown.plan.keep');
  });

  it.each([
    ['declined', { answers: { 'teardown.confirm': false } }],
    ['Ctrl-C', { answers: {}, cancelAt: 'teardown.confirm' }],
  ])('%s: cancelled, nothing changed, state intact', async (_how, how) => {
    const before = snapshot();
    const stateBefore = account.readState();
    const deps = account.deps({ interactive: true, ...how });
    const error = await rejection(teardown({ name: 'default' }, deps));
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).message).toBe('Cancelled; nothing was changed');
    expect(snapshot()).toBe(before);
    expect(account.readState()).toEqual(stateBefore);
  });

  it('--yes in a terminal asks nothing', async () => {
    const deps = terminal({});
    await teardown({ name: 'default', yes: true }, deps);
    expect(deps.recording.questions).toEqual([]);
  });
});
