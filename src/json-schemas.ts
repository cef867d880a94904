/**
 * The `--json` output of each command, as a zod schema: the source of docs/json-schema/*.schema.json
 * (`npm run docs`, scripts/docs/) and what test/cli/json-schemas.test.ts holds every real output to.
 * The CLI never imports this module (its bundle does not grow): src/json-output.ts and the commands'
 * report types are what print; the type checks at the end of this file keep the two in step, and the
 * test catches a field printed but not described (every object here is closed).
 *
 * The shapes are a stable interface (docs/json.md): fields may be added, never removed or renamed.
 */
import * as z from 'zod/mini';
import { EXIT_CODES, ExitCode, type ErrorCode } from './errors.js';
import type { CiGithubReport } from './commands/ci.js';
import type { CostReport } from './commands/cost.js';
import type { ExportReport } from './commands/export.js';
import type { ForgetResult } from './commands/forget.js';
import type { ListReport } from './commands/list.js';
import type { PlanReport } from './commands/plan.js';
import type { StateMoveResult } from './commands/state-move.js';
import type { StatusReport } from './commands/status.js';
import type { UnlockResult } from './commands/unlock.js';
import type { VerifyReport } from './commands/verify.js';
import type { TeardownResource } from './commands/teardown.js';
import { NAT_MODES } from './state/schema.js';

const described = <T extends z.core.$ZodType>(schema: T, description: string): T => {
  z.globalRegistry.add(schema, { description });
  return schema;
};

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ip = () => z.string().check(z.regex(IPV4));
/** An ISO 8601 time as Date#toISOString writes it. */
const isoTime = () => z.string().check(z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/));
const day = () => z.string().check(z.regex(/^\d{4}-\d\d-\d\d$/));
const usd = () => z.number().check(z.gte(0));
const count = () => z.int().check(z.gte(0));
const natMode = () => z.enum(NAT_MODES);
const zone = () => z.string().check(z.minLength(1));
const strings = () => z.array(z.string());

/** The fields several commands share, with one name everywhere (docs/json.md). */
const shared = {
  name: described(z.string().check(z.minLength(1)), 'the stack name'),
  region: described(z.string().check(z.minLength(1)), 'the AWS region'),
  accountId: described(z.string().check(z.regex(/^\d{12}$/)), 'the AWS account'),
  natMode: described(natMode(), 'how the fixed IP is served (docs/nat-modes.md)'),
  zones: described(z.array(zone()), "the stack's zones, first zone first"),
  elasticIp: described(z.nullable(ip()), "the first zone's IP (null when none)"),
  elasticIps: described(z.array(ip()), 'every IP to allowlist'),
  monthlyCostUsd: described(usd(), 'USD a month before traffic'),
  stateFile: described(z.string().check(z.minLength(1)), "the state file's path (or s3:// URL)"),
};

const allowlist = z.object({
  expected: z.array(ip()),
  live: z.array(ip()),
  added: z.array(ip()),
  missing: z.array(ip()),
  ok: z.boolean(),
  source: z.optional(
    described(z.enum(['--expect-ips', '.fixed-ip/config.json']), 'where the stated list came from'),
  ),
});

export const verifySchema = z.object({
  name: shared.name,
  region: shared.region,
  ok: described(z.boolean(), 'every zone egresses from an allowlisted IP'),
  drifted: described(
    z.boolean(),
    'a zone was seen going astray (exit 3); false when only a probe broke (exit 1)',
  ),
  elasticIps: shared.elasticIps,
  zones: z.array(
    z.object({
      zone: zone(),
      subnetId: z.string(),
      publicIp: described(z.nullable(ip()), 'what the internet saw; null when the probe never got there'),
      allowlisted: z.boolean(),
      outcome: z.enum(['allowlisted', 'notAllowlisted', 'noInternet', 'failed']),
      detail: z.optional(z.string()),
      likelyCause: z.optional(z.string()),
    }),
  ),
  probes: described(strings(), 'the probe functions made (and deleted)'),
  leftover: described(strings(), 'probes (and the probe role) verify made and could not remove'),
  allowlist: z.optional(allowlist),
  code: z.optional(z.literal('ALLOWLIST_CHANGED')),
});

const setupResource = z.object({
  type: described(z.string(), 'the resource kind'),
  zone: z.nullable(zone()),
  id: z.string(),
  owned: described(z.boolean(), 'fixed-ip made it (false: it was there and is reused)'),
});

export const setupSchema = z.object({
  name: shared.name,
  region: shared.region,
  accountId: shared.accountId,
  natMode: shared.natMode,
  zones: shared.zones,
  elasticIp: shared.elasticIp,
  elasticIps: shared.elasticIps,
  changed: described(z.boolean(), 'false on a re-run that changed nothing'),
  functions: strings(),
  resources: z.array(setupResource),
  monthlyCostUsd: shared.monthlyCostUsd,
  stateFile: shared.stateFile,
  verify: z.optional(described(verifySchema, "with --verify: verify's object")),
});

const permissions = z.object({
  checked: strings(),
  missing: strings(),
  unchecked: strings(),
  via: z.record(z.string(), z.enum(['dry-run', 'read', 'policy-simulator'])),
  why: strings(),
});

export const planSchema = z.object({
  name: shared.name,
  region: shared.region,
  accountId: shared.accountId,
  natMode: shared.natMode,
  zones: shared.zones,
  steps: z.array(
    z.object({
      step: z.int(),
      key: z.string(),
      zone: z.nullable(zone()),
      title: z.string(),
      action: z.enum(['create', 'move', 'reuse', 'done', 'repair']),
      detail: z.string(),
    }),
  ),
  retire: described(strings(), 'what a change of shape removes once the new shape is in place'),
  ips: z.array(
    z.object({
      zone: zone(),
      ip: z.nullable(ip()),
      status: z.enum(['kept', 'adopted', 'new']),
      pool: z.optional(
        described(z.string(), 'the IPAM or BYOIP pool it comes (or came) from, with --eip-pool'),
      ),
    }),
  ),
  allowlistChange: described(z.array(zone()), 'zones whose allowlisted IP changes'),
  functions: z.array(
    z.object({
      name: z.string(),
      inVpc: z.nullable(z.string()),
      moves: z.boolean(),
      roleMissing: z.nullable(strings()),
      staleAliases: strings(),
    }),
  ),
  changes: z.object({ add: count(), change: count(), remove: count() }),
  permissions,
  quotas: z.array(z.object({ name: z.string(), used: z.number(), limit: z.number(), ok: z.boolean() })),
  cost: z.object({
    monthlyUsd: usd(),
    natHourly: usd(),
    ipv4Hourly: usd(),
    perGb: usd(),
    idleEipMonthlyUsd: usd(),
    items: z.array(z.object({ kind: z.string(), count: count(), hourlyUsd: usd(), monthlyUsd: usd() })),
    crossZone: z.boolean(),
    nowMonthlyUsd: z.nullable(usd()),
  }),
  savings: z.array(z.object({ setting: z.string(), upToMonthlyUsd: usd(), caveat: z.string() })),
  blockers: strings(),
  wouldSucceed: z.boolean(),
  monthlyCostUsd: shared.monthlyCostUsd,
});

const workload = z.object({
  name: z.string(),
  attached: z.boolean(),
  gone: z.optional(z.boolean()),
  detail: z.optional(z.string()),
  problem: z.optional(z.string()),
});

export const statusSchema = z.object({
  name: shared.name,
  region: shared.region,
  accountId: shared.accountId,
  elasticIp: shared.elasticIp,
  elasticIps: shared.elasticIps,
  natMode: shared.natMode,
  zones: shared.zones,
  healthy: z.boolean(),
  parked: described(z.boolean(), 'torn down with --keep-eip: only the Elastic IPs are kept'),
  natGateway: z.object({ id: z.nullable(z.string()), state: z.string() }),
  functions: z.array(
    z.object({
      name: z.string(),
      attached: z.boolean(),
      gone: z.optional(z.boolean()),
      staleAliases: z.optional(strings()),
      ipv6: z.optional(z.literal(true)),
    }),
  ),
  services: z.array(workload),
  unmanagedFunctions: z.array(z.object({ name: z.string(), subnetIds: strings() })),
  resources: z.array(
    z.object({
      step: z.int(),
      type: z.string(),
      zone: z.nullable(zone()),
      id: z.nullable(z.string()),
      owned: z.boolean(),
      state: z.string(),
      ok: z.boolean(),
      problem: z.optional(z.string()),
    }),
  ),
  problems: strings(),
  monthlyCostUsd: shared.monthlyCostUsd,
  costSoFarUsd: usd(),
  costSince: z.nullable(isoTime()),
  stateFile: shared.stateFile,
  foundByTags: z.boolean(),
  allowlist: z.optional(allowlist),
  code: z.optional(z.literal('ALLOWLIST_CHANGED')),
});

const teardownResource = z.object({
  kind: described(z.string(), "the resource kind (as forget's), or functions/services for the workloads"),
  id: described(z.string(), 'its id (a function name, an ECS service as cluster/service)'),
  zone: z.optional(zone()),
  publicIp: z.optional(ip()),
  action: described(
    z.enum(['deleted', 'restored', 'kept', 'gone']),
    'deleted; restored (a workload back on its previous network); kept (see reason); gone (already gone from AWS)',
  ),
  reason: z.optional(z.string()),
  duplicate: z.optional(described(z.literal(true), 'a duplicate an interrupted run left, found by its tags')),
});

export const teardownSchema = z.object({
  name: shared.name,
  region: z.optional(shared.region),
  accountId: z.optional(shared.accountId),
  finished: described(z.boolean(), 'nothing of the stack is left (the state file is gone)'),
  forgotten: z.optional(z.literal(true)),
  forgottenAt: z.optional(isoTime()),
  removed: described(strings(), 'what was removed, as the text lines say it'),
  kept: described(strings(), 'what was kept, as the text lines say it'),
  resources: described(z.array(teardownResource), 'each resource and workload, and what became of it'),
  elasticIps: described(z.array(ip()), 'the Elastic IPs kept (--keep-eip)'),
  monthlyCostUsd: described(usd(), 'what is kept costs a month, idle'),
  stateFile: shared.stateFile,
});

export const forgetSchema = z.object({
  name: shared.name,
  stack: shared.name,
  forgotten: z.literal(true),
  tags: z.enum(['removed', 'kept']),
  resources: z.array(z.object({ kind: z.string(), id: z.string(), zone: z.optional(zone()) })),
});

export const listSchema = z.object({
  region: shared.region,
  accountId: shared.accountId,
  stacks: z.array(
    z.object({
      name: shared.name,
      natMode: shared.natMode,
      zones: shared.zones,
      vpcId: z.nullable(z.string()),
      elasticIps: shared.elasticIps,
      functions: strings(),
      monthlyCostUsd: shared.monthlyCostUsd,
      costSoFarUsd: z.nullable(usd()),
      parked: z.boolean(),
    }),
  ),
});

export const costSchema = z.object({
  name: shared.name,
  region: shared.region,
  accountId: shared.accountId,
  natMode: shared.natMode,
  currency: z.literal('USD'),
  period: z.object({ start: isoTime(), end: isoTime(), days: z.number(), startKnown: z.boolean() }),
  resources: z.array(
    z.object({
      kind: z.string(),
      title: z.string(),
      id: z.string(),
      zone: z.nullable(zone()),
      since: isoTime(),
      sinceKnown: z.boolean(),
      hours: z.number(),
      hourlyUsd: usd(),
      usd: usd(),
    }),
  ),
  hoursUsd: usd(),
  traffic: z.object({
    source: z.string(),
    nats: z.array(
      z.object({
        kind: z.string(),
        id: z.string(),
        outBytes: z.number(),
        backBytes: z.number(),
        processedBytes: z.number(),
        processedGb: z.number(),
        perGbUsd: usd(),
        usd: usd(),
      }),
    ),
    processedBytes: z.number(),
    processedGb: z.number(),
    usd: usd(),
    days: z.number(),
  }),
  soFarUsd: usd(),
  estimate: z.object({
    hoursUsd: usd(),
    processingUsd: usd(),
    crossZoneUsd: usd(),
    totalUsd: usd(),
    gbPerDay: z.number(),
  }),
  projections: z.array(
    z.object({
      natMode: natMode(),
      title: z.string(),
      current: z.boolean(),
      monthlyUsd: usd(),
      differenceUsd: z.number(),
    }),
  ),
  savings: z.array(
    z.object({ setting: z.string(), upToUsd: usd(), upToMonthlyUsd: usd(), caveat: z.string() }),
  ),
  actual: z.optional(
    z.object({
      source: z.literal('Cost Explorer'),
      scope: z.enum(['stack', 'region']),
      usd: z.number(),
      byUsageType: z.array(
        z.object({ usageType: z.string(), usd: z.number(), quantity: z.number(), unit: z.string() }),
      ),
      period: z.object({ start: day(), end: day() }),
      estimated: z.boolean(),
      usageTypes: strings(),
      requests: count(),
      requestCostUsd: usd(),
      tagHint: z.optional(z.string()),
    }),
  ),
  approximate: z.boolean(),
  notCounted: strings(),
});

export const exportSchema = z.object({
  name: shared.name,
  region: shared.region,
  format: z.enum(['terraform', 'cloudformation']),
  directory: z.string(),
  files: strings(),
  imports: z.array(z.object({ type: z.string(), address: z.string(), id: z.string() })),
  reused: z.array(z.object({ type: z.string(), id: z.string() })),
  commands: described(strings(), 'what to run next, in order'),
  drift: described(strings(), 'the drift --force exported past'),
  notes: strings(),
});

export const detachSchema = z.object({ name: shared.name, detached: strings() });
export const unlockSchema = z.object({
  name: shared.name,
  removed: described(z.boolean(), 'a lock or run guard was there and this run removed it'),
});
export const stateMoveSchema = z.object({ name: shared.name, from: z.string(), to: z.string() });

/** An IAM policy document; a trust policy's statements name a Principal and no Resource. */
const policy = (trust: boolean) =>
  z.object({
    Version: z.literal('2012-10-17'),
    Statement: z.array(
      z.object({
        Sid: z.string().check(z.regex(/^[A-Za-z0-9]+$/)),
        Effect: z.literal('Allow'),
        ...(trust
          ? { Principal: z.record(z.string(), z.string()) }
          : { Resource: z.union([z.string(), strings()]) }),
        Action: z.union([z.string(), strings()]),
        Condition: z.optional(z.record(z.string(), z.record(z.string(), z.union([z.string(), strings()])))),
      }),
    ),
  });

/**
 * What `iam-policy` prints (with or without --json): an IAM policy document; with `--for ci --repo`,
 * the CI role's two documents.
 */
export const iamPolicySchema = z.union([
  policy(false),
  z.object({
    permissionsPolicy: described(policy(false), "the CI check's permissions (status and verify)"),
    trustPolicy: described(
      policy(true),
      "the CI role's trust policy: GitHub's OIDC provider, one repository and branch",
    ),
  }),
]);

/** What `ci github --json` prints: the workflow it wrote, and what to do next. */
export const ciGithubSchema = z.object({
  name: shared.name,
  region: shared.region,
  path: described(z.string().check(z.minLength(1)), 'the workflow file written (absolute path)'),
  workflow: described(z.string().check(z.minLength(1)), "the workflow file's text"),
  roleArn: described(
    z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/)),
    'the role the workflow assumes',
  ),
  schedule: described(z.string().check(z.minLength(9)), 'the cron schedule (UTC)'),
  expectIps: described(
    z.array(ip()).check(z.minLength(1)),
    'the stated allowlist the check holds the stack to',
  ),
  expectIpsSource: z.enum(['--expect-ips', '.fixed-ip/config.json']),
  state: described(
    z.nullable(z.string().check(z.regex(/^s3:\/\//))),
    'the S3 state the check reads; null: it finds the stack by its tags',
  ),
  version: described(z.string().check(z.minLength(1)), 'the fixed-ip version the workflow installs'),
  package: described(z.string().check(z.minLength(1)), 'what the workflow installs with npm'),
  nextSteps: z.array(z.string()),
});

/**
 * A failure, from any command: `{ error: { code, message, hint?, exitCode } }`, each code with its
 * own exit code (src/errors.ts; `USAGE`: a command line commander rejects).
 */
const codesByExit = (() => {
  const byExit = new Map<number, string[]>();
  const add = (code: string, exit: number): void => {
    byExit.set(exit, [...(byExit.get(exit) ?? []), code]);
  };
  for (const [code, exit] of Object.entries(EXIT_CODES) as Array<[ErrorCode, ExitCode]>) add(code, exit);
  add('USAGE', ExitCode.usage);
  return [...byExit].sort(([a], [b]) => a - b);
})();

export const errorSchema = z.object({
  error: z.union(
    codesByExit.map(([exit, codes]) =>
      z.object({
        code: z.enum(codes as [string, ...string[]]),
        message: z.string().check(z.minLength(1)),
        hint: z.optional(z.string().check(z.minLength(1))),
        exitCode: z.literal(exit),
      }),
    ),
  ),
});

export interface JsonSchemaEntry {
  /** The file under docs/json-schema/. */
  file: string;
  title: string;
  description: string;
  schema: z.core.$ZodType;
}

const entry = (file: string, title: string, description: string, schema: z.core.$ZodType) => ({
  file,
  title,
  description,
  schema,
});

/**
 * Each command that takes --json, by the path a user types (`state move`), with the schema of the one
 * object it prints on success. The test fails for a command that takes --json and is missing here.
 */
export const COMMAND_JSON: Readonly<Record<string, JsonSchemaEntry>> = {
  setup: entry(
    'setup',
    'fixed-ip setup --json',
    'The stack setup made or found as it should be.',
    setupSchema,
  ),
  plan: entry(
    'plan',
    'fixed-ip plan --json',
    'What setup would do, what it costs, and whether it would succeed.',
    planSchema,
  ),
  status: entry(
    'status',
    'fixed-ip status --json',
    "The stack's IPs, and whether it is wired as setup left it.",
    statusSchema,
  ),
  verify: entry(
    'verify',
    'fixed-ip verify --json',
    'What a probe in each zone saw as its public IP.',
    verifySchema,
  ),
  teardown: entry(
    'teardown',
    'fixed-ip teardown --json',
    'What teardown removed, and what it kept.',
    teardownSchema,
  ),
  forget: entry('forget', 'fixed-ip forget --json', 'The stack handed over to your own IaC.', forgetSchema),
  'iam-policy': entry(
    'iam-policy',
    'fixed-ip iam-policy',
    'The IAM policy document (printed as JSON with or without --json).',
    iamPolicySchema,
  ),
  list: entry(
    'list',
    'fixed-ip list --json',
    'The stacks in the account and region, found by their tags.',
    listSchema,
  ),
  cost: entry(
    'cost',
    'fixed-ip cost --json',
    'What the stack has cost so far, and what a month costs.',
    costSchema,
  ),
  export: entry(
    'export',
    'fixed-ip export --json',
    'The files export wrote, and what they import.',
    exportSchema,
  ),
  attach: entry('attach', 'fixed-ip attach --json', "The stack after attach: setup's object.", setupSchema),
  detach: entry('detach', 'fixed-ip detach --json', 'The workloads taken out of the stack.', detachSchema),
  unlock: entry('unlock', 'fixed-ip unlock --json', 'Whether a lock was removed.', unlockSchema),
  'ci github': entry(
    'ci-github',
    'fixed-ip ci github --json',
    'The GitHub Actions workflow written, and what to do next.',
    ciGithubSchema,
  ),
  'state move': entry(
    'state-move',
    'fixed-ip state move --json',
    "Where the stack's state was, and where it is now.",
    stateMoveSchema,
  ),
};

/** The error object any command prints with --json when it fails. */
export const ERROR_JSON: JsonSchemaEntry = entry(
  'error',
  'fixed-ip <command> --json, on failure',
  'A failure: the error code, one line of what is wrong, how to fix it, and the exit code.',
  errorSchema,
);

/** The base of each schema's $id. */
export const SCHEMA_ID_BASE = 'urn:fixed-ip:json-schema:';

/** One schema as docs/json-schema/<file>.schema.json holds it (draft 2020-12). */
export function jsonSchemaOf(item: JsonSchemaEntry): Record<string, unknown> {
  const { $schema, ...body } = z.toJSONSchema(item.schema, { target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return {
    $schema,
    $id: `${SCHEMA_ID_BASE}${item.file}`,
    title: item.title,
    description: item.description,
    ...body,
  };
}

/*
 * The report types and the schemas agree, checked by the type checker: the fields each requires are
 * the fields the other requires, with the same types (a field the type only may have, or one
 * json-output.ts adds, is caught by the test against real outputs, where every object is closed).
 */
type Agree<Type, Schema extends z.core.$ZodType> = [Type] extends [z.output<Schema>]
  ? [z.output<Schema>] extends [Type]
    ? true
    : false
  : false;
const agree = <T extends true>(): T | undefined => undefined;
agree<Agree<VerifyReport, typeof verifySchema>>();
agree<Agree<StatusReport, typeof statusSchema>>();
agree<Agree<PlanReport & { monthlyCostUsd: number }, typeof planSchema>>();
agree<Agree<CostReport, typeof costSchema>>();
agree<Agree<ExportReport, typeof exportSchema>>();
agree<Agree<ListReport, typeof listSchema>>();
agree<Agree<ForgetResult & { name: string }, typeof forgetSchema>>();
agree<Agree<UnlockResult & { name: string }, typeof unlockSchema>>();
agree<Agree<StateMoveResult & { name: string }, typeof stateMoveSchema>>();
agree<Agree<TeardownResource, typeof teardownResource>>();
agree<Agree<CiGithubReport, typeof ciGithubSchema>>();
