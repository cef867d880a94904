import type { Action } from '../aws/operations.js';
import { VPC_ACCESS_POLICY } from '../kinds/functions.js';
import { KINDS, WORKLOADS } from '../kinds/index.js';
import type { PolicyGrant } from '../model/kind.js';
import { PROBE_PREFIX, PROBE_ROLE_TAG } from '../verify/probe-role.js';
import { FixedIpError } from '../errors.js';
import { MANAGED_BY, TAG_MANAGED_BY, TAG_PREFIX, TAG_ROLE } from '../model/tags.js';
import { untagActions } from '../kinds/untag.js';

/**
 * The least-privilege IAM policy the CLI user needs, per command: which actions each command calls
 * (derived from the kinds), and each action scoped as tightly as AWS allows (the grants below:
 * creates only with fixed-ip's tag, changes and deletes only of resources carrying it, the probes
 * and their role only under their name pattern). test/engine/iam-policy.test.ts runs every command in
 * the simulator with the caller holding only this policy (the simulator evaluates it as IAM does)
 * and checks what it must refuse; docs/iam-policy.md is generated from it.
 */

export type PolicyScope = 'setup' | 'status' | 'teardown' | 'verify' | 'cost' | 'export' | 'forget' | 'ci';

/** The scopes made of others: the scheduled CI check (`fixed-ip ci github`) runs status and verify. */
const COMPOSED: Record<'ci', readonly CommandScope[]> = { ci: ['status', 'verify'] };
type CommandScope = Exclude<PolicyScope, 'ci'>;

/**
 * What `fixed-ip iam-policy` prints without --for: every command's but cost's (Cost Explorer reads
 * the account's whole bill) and export's (what status reads).
 */
export const DEFAULT_SCOPES: readonly PolicyScope[] = ['setup', 'status', 'teardown', 'verify', 'forget'];

/**
 * What every command does besides the kinds' own calls: who am I, and the functions (a stack found
 * by its tags lists the functions in its subnets, and reads their tags).
 */
const COMMON: readonly string[] = [
  'sts:GetCallerIdentity',
  'lambda:GetFunctionConfiguration',
  'lambda:ListFunctions',
  'lambda:GetFunction',
  // GetFunction answers with a function's tags only to a caller allowed this.
  'lambda:ListTags',
];

/** setup's own calls: the zones, the quota, the function list, the role check and fix, moving functions. */
const SETUP: readonly Action[] = [
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeAccountAttributes',
  'lambda:UpdateFunctionConfiguration',
  // A moving function keeps its previous settings as its own tags; its aliases are checked.
  'lambda:ListAliases',
  'lambda:TagResource',
  'lambda:UntagResource',
  'iam:SimulatePrincipalPolicy',
  // plan: an assumed role's full ARN (an SSO role's path), for the policy simulator.
  'iam:GetRole',
  // Only for --fix-role.
  'iam:AttachRolePolicy',
  // plan: the NATs' traffic, for what a gateway endpoint would save.
  'cloudwatch:GetMetricData',
];

/** cost: the NATs' traffic; with --actual, what AWS billed (Cost Explorer; the account's whole bill is readable with it). */
const COST: readonly Action[] = ['cloudwatch:GetMetricData', 'ce:GetCostAndUsage'];

// ListFunctions (common): a subnet or security group any function still uses is never deleted.
const TEARDOWN: readonly Action[] = ['lambda:UpdateFunctionConfiguration', 'lambda:UntagResource'];

/** forget: fixed-ip's tags off the stack's functions (the kinds say how for their resources). */
const FORGET: readonly Action[] = ['lambda:UntagResource'];

/**
 * Derived from the kinds: every command reads every kind (status checks them, setup and teardown
 * find them by tags); setup creates them (and changes them: a shape change removes what it no longer
 * needs), teardown removes them.
 */
const reads = [
  ...KINDS.flatMap((kind) => kind.iam.read),
  ...WORKLOADS.flatMap((workload) => workload.iam?.read ?? []),
];
/** What the workloads beyond functions (ECS services) call to attach, detach and untag. */
const workloadActions = (part: 'attach' | 'detach' | 'untag'): string[] =>
  WORKLOADS.flatMap((workload) => workload.iam?.[part] ?? []);

/** The run guard (src/engine/run-guard.ts): one SSM parameter per stack, under /fixed-ip/ only. */
export const RUN_GUARD_ACTIONS: readonly Action[] = [
  'ssm:DeleteParameter',
  'ssm:GetParameter',
  'ssm:PutParameter',
];
export const RUN_GUARD_RESOURCE = 'arn:aws:ssm:*:*:parameter/fixed-ip/*';
/** The commands that change a stack, and so take its run guard (attach and detach are setup's). */
const GUARDED: readonly PolicyScope[] = ['setup', 'teardown', 'forget'];

const SERVICE_ACTIONS: Record<CommandScope, readonly string[]> = {
  status: [...COMMON, ...reads],
  setup: [
    ...COMMON,
    ...reads,
    ...SETUP,
    ...KINDS.flatMap((kind) => [...kind.iam.create, ...(kind.iam.change ?? []), ...kind.iam.remove]),
    ...workloadActions('attach'),
    ...workloadActions('detach'),
  ],
  teardown: [
    ...COMMON,
    ...reads,
    ...TEARDOWN,
    ...KINDS.flatMap((kind) => kind.iam.remove),
    ...workloadActions('detach'),
  ],
  cost: [...COMMON, ...reads, ...COST],
  // export reads what status reads, and writes only files.
  export: [...COMMON, ...reads],
  // forget reads the stack and takes fixed-ip's tags off it (none with --keep-tags).
  forget: [...COMMON, ...reads, ...FORGET, ...KINDS.flatMap(untagActions), ...workloadActions('untag')],
  // The probes: made, run and deleted with a role each run makes for them (hence iam:PassRole).
  verify: [
    ...COMMON,
    ...reads,
    'lambda:CreateFunction',
    'lambda:InvokeFunction',
    'lambda:DeleteFunction',
    'iam:CreateRole',
    'iam:TagRole',
    'iam:AttachRolePolicy',
    'iam:DetachRolePolicy',
    'iam:DeleteRole',
    'iam:PassRole',
  ],
};

const ec2 = (type: string): string => `arn:aws:ec2:*:*:${type}/*`;
const ANY_FUNCTION = 'arn:aws:lambda:*:*:function:*';
const PROBE_FUNCTIONS = `arn:aws:lambda:*:*:function:${PROBE_PREFIX}*`;
const ANY_ROLE = 'arn:aws:iam::*:role/*';
const PROBE_ROLES = `arn:aws:iam::*:role/${PROBE_PREFIX}*`;
/** fixed-ip's marker tag, on everything it makes: what every tag-scoped statement asks for. */
const requestTagged = { [`aws:RequestTag/${TAG_MANAGED_BY}`]: MANAGED_BY };
const resourceTagged = { [`aws:ResourceTag/${TAG_MANAGED_BY}`]: MANAGED_BY };
const onlyVpcAccessPolicy = { ArnEquals: { 'iam:PolicyARN': VPC_ACCESS_POLICY } };

/** The kinds whose statements are derived from their own declaration (`iam.scope`). */
const SCOPED = KINDS.filter((kind) => kind.iam.scope !== undefined);
const notTagging = (action: string): boolean => action !== 'ec2:CreateTags' && !isEc2Read(action);

/** The creates: each new resource must carry fixed-ip's marker from its first moment. */
const CREATES: readonly string[] = [
  'ec2:CreateVpc',
  'ec2:CreateInternetGateway',
  'ec2:CreateSubnet',
  'ec2:CreateRouteTable',
  'ec2:CreateSecurityGroup',
  'ec2:AllocateAddress',
  'ec2:CreateNatGateway',
  'ec2:CreateNetworkInterface',
  'ec2:RunInstances',
  ...new Set(SCOPED.flatMap((kind) => kind.iam.create.filter(notTagging))),
];

/** What fixed-ip does to a resource it made (and proves it made by the marker tag on it). */
const ON_OWN = [
  'ec2:AttachInternetGateway',
  'ec2:CreateRoute',
  'ec2:ReplaceRoute',
  'ec2:AssociateRouteTable',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:ModifyNetworkInterfaceAttribute',
  'ec2:AssociateAddress',
  'ec2:AssociateNatGatewayAddress',
  // The stack's interface moving between the stack's NAT instances.
  'ec2:AttachNetworkInterface',
  'ec2:DetachNetworkInterface',
  ...new Set(SCOPED.flatMap((kind) => kind.iam.change ?? [])),
];
const DESTROY_OWN = [
  'ec2:DeleteNatGateway',
  'ec2:ReleaseAddress',
  'ec2:TerminateInstances',
  'ec2:DisassociateAddress',
  'ec2:DisassociateNatGatewayAddress',
  'ec2:DisassociateRouteTable',
  'ec2:DeleteRouteTable',
  'ec2:RevokeSecurityGroupIngress',
  'ec2:DeleteSecurityGroup',
  'ec2:DeleteNetworkInterface',
  'ec2:DeleteSubnet',
  'ec2:DetachInternetGateway',
  'ec2:DeleteInternetGateway',
  'ec2:DeleteVpc',
  ...new Set(SCOPED.flatMap((kind) => kind.iam.remove.filter(notTagging))),
];
/** The resource types fixed-ip makes (and so may change or remove when they carry its marker). */
const OWN_TYPES = [
  'vpc',
  'internet-gateway',
  'subnet',
  'route-table',
  'security-group',
  'elastic-ip',
  'natgateway',
  'network-interface',
  'instance',
  'volume',
  ...new Set(SCOPED.map((kind) => kind.iam.scope?.ownType ?? '')),
].map(ec2);

/**
 * One statement of the policy: the actions it grants (kept when a scope needs them), on which
 * resources, under which condition. The Sid says what it is for; docs/permissions.md says why
 * each is scoped as it is (Service Authorization Reference, EC2, Lambda, IAM, SSM).
 */
type Grant = PolicyGrant;

const GRANTS: readonly Grant[] = [
  // Describe* and the zones/quota reads support no resource-level permissions: '*'.
  { sid: 'FixedIpEc2Read', actions: [], resource: '*' },
  // Metrics and Cost Explorer support no resource-level permissions either.
  { sid: 'FixedIpCostRead', actions: [...COST], resource: '*' },
  // A create is allowed only with fixed-ip's marker among the new resource's tags...
  {
    sid: 'FixedIpEc2CreateTagged',
    actions: CREATES,
    resource: OWN_TYPES,
    condition: { StringEquals: requestTagged },
  },
  // ...and tags are written only as part of one of those creates, never on an existing resource.
  {
    sid: 'FixedIpEc2TagOnCreate',
    actions: ['ec2:CreateTags'],
    resource: 'arn:aws:ec2:*:*:*/*',
    condition: { StringEquals: { 'ec2:CreateAction': [], ...requestTagged } },
  },
  // What a create only refers to, untagged when it is yours: the VPC (--vpc) things are made in...
  {
    sid: 'FixedIpEc2CreateInVpc',
    actions: ['ec2:CreateSubnet', 'ec2:CreateRouteTable', 'ec2:CreateSecurityGroup'],
    resource: ec2('vpc'),
  },
  // ...the subnet, VPC and Elastic IP (an adopted --eip too) a NAT gateway is made with...
  {
    sid: 'FixedIpEc2NatGatewayParts',
    actions: ['ec2:CreateNatGateway'],
    resource: [ec2('subnet'), ec2('vpc'), ec2('elastic-ip')],
  },
  // ...the subnet and group a NAT instance's interface is made in...
  {
    sid: 'FixedIpEc2NatInterfaceParts',
    actions: ['ec2:CreateNetworkInterface'],
    resource: [ec2('subnet'), ec2('security-group')],
  },
  // ...and AWS's public image and the interface a NAT instance is launched with (RunInstances
  // authorizes an existing interface with request keys only: its tags cannot be asked for).
  {
    sid: 'FixedIpEc2NatInstanceParts',
    actions: ['ec2:RunInstances'],
    resource: [ec2('image'), ec2('subnet'), ec2('security-group'), ec2('network-interface')],
  },
  // ...and what a scoped kind's creates and changes refer to (a gateway endpoint's VPC and route tables).
  ...scopedParts(),
  // Changing what fixed-ip made: only resources carrying its marker.
  {
    sid: 'FixedIpEc2ChangeOwn',
    actions: ON_OWN,
    resource: OWN_TYPES,
    condition: { StringEquals: resourceTagged },
  },
  // Deleting, detaching, disassociating, releasing, terminating: only resources carrying its marker.
  {
    sid: 'FixedIpEc2DestroyOwn',
    actions: DESTROY_OWN,
    resource: OWN_TYPES,
    condition: { StringEquals: resourceTagged },
  },
  // forget: fixed-ip's own tag keys taken off what carries its marker, and no other key (a
  // DeleteTags that names no key would remove every tag: it must name some).
  {
    sid: 'FixedIpEc2UntagOwn',
    actions: ['ec2:DeleteTags'],
    resource: OWN_TYPES,
    condition: {
      StringEquals: resourceTagged,
      'ForAllValues:StringLike': { 'aws:TagKeys': [`${TAG_PREFIX}*`] },
      Null: { 'aws:TagKeys': 'false' },
    },
  },
  // The other side of those calls, which may be yours: the VPC an internet gateway of fixed-ip's is
  // attached to or detached from, an Elastic IP (an adopted --eip) moved between fixed-ip's NAT
  // gateways and interfaces (never released), and the rule added to fixed-ip's security group.
  {
    sid: 'FixedIpEc2OwnWithYours',
    actions: [
      'ec2:AttachInternetGateway',
      'ec2:DetachInternetGateway',
      'ec2:AssociateAddress',
      'ec2:DisassociateAddress',
      'ec2:AssociateNatGatewayAddress',
      'ec2:DisassociateNatGatewayAddress',
      'ec2:AuthorizeSecurityGroupIngress',
    ],
    resource: [ec2('vpc'), ec2('elastic-ip'), ec2('security-group-rule')],
  },
  { sid: 'FixedIpLambdaList', actions: ['lambda:ListFunctions'], resource: '*' },
  {
    sid: 'FixedIpLambdaReadFunctions',
    actions: [
      'lambda:GetFunction',
      'lambda:GetFunctionConfiguration',
      'lambda:ListAliases',
      'lambda:ListTags',
    ],
    resource: ANY_FUNCTION,
  },
  // Moving the functions you name: any function (IAM cannot scope an update to its VpcConfig).
  {
    sid: 'FixedIpLambdaMoveFunctions',
    actions: ['lambda:UpdateFunctionConfiguration'],
    resource: ANY_FUNCTION,
  },
  // A moved function's previous network is kept in tags of fixed-ip's own keys only.
  {
    sid: 'FixedIpLambdaOwnTagKeys',
    actions: ['lambda:TagResource', 'lambda:UntagResource'],
    resource: ANY_FUNCTION,
    condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': [`${TAG_PREFIX}*`] } },
  },
  // verify's probes: made only under their name pattern and with the probe's tags...
  {
    sid: 'FixedIpLambdaProbeCreate',
    actions: ['lambda:CreateFunction'],
    resource: PROBE_FUNCTIONS,
    condition: {
      StringEquals: { ...requestTagged, [`aws:RequestTag/${TAG_ROLE}`]: PROBE_ROLE_TAG },
    },
  },
  // ...and run and deleted only when they carry those tags (a function of yours is never touched).
  {
    sid: 'FixedIpLambdaProbeRunDelete',
    actions: ['lambda:InvokeFunction', 'lambda:DeleteFunction'],
    resource: PROBE_FUNCTIONS,
    condition: {
      StringEquals: { ...resourceTagged, [`aws:ResourceTag/${TAG_ROLE}`]: PROBE_ROLE_TAG },
    },
  },
  // plan: the functions' execution roles, and the caller itself (a user, or an assumed role found
  // by GetRole), through IAM's policy simulator; reads only.
  {
    sid: 'FixedIpIamCheckRoles',
    actions: ['iam:GetRole', 'iam:SimulatePrincipalPolicy'],
    resource: [ANY_ROLE, 'arn:aws:iam::*:user/*'],
  },
  // --fix-role (and verify's probe role): this one AWS managed policy, on no other.
  {
    sid: 'FixedIpIamAttachVpcAccessOnly',
    actions: ['iam:AttachRolePolicy'],
    resource: ANY_ROLE,
    condition: onlyVpcAccessPolicy,
  },
  // verify's probe role: made (tagged) and removed under its name pattern only...
  {
    sid: 'FixedIpIamProbeRoleCreate',
    actions: ['iam:CreateRole', 'iam:TagRole'],
    resource: PROBE_ROLES,
    condition: { StringEquals: requestTagged },
  },
  {
    sid: 'FixedIpIamProbeRoleDetach',
    actions: ['iam:DetachRolePolicy'],
    resource: PROBE_ROLES,
    condition: onlyVpcAccessPolicy,
  },
  {
    sid: 'FixedIpIamProbeRoleDelete',
    actions: ['iam:DeleteRole'],
    resource: PROBE_ROLES,
    condition: { StringEquals: resourceTagged },
  },
  // ...and passed to Lambda only: no role of yours can be handed to a function.
  {
    sid: 'FixedIpIamPassProbeRole',
    actions: ['iam:PassRole'],
    resource: PROBE_ROLES,
    condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
  },
  // The kinds' own statements (a NAT instance's role and instance profile), each once (the two NAT
  // gateway kinds share their quota read).
  ...new Set(KINDS.flatMap((kind) => kind.iam.grants ?? [])),
  // The workloads' own statements (ECS services).
  ...WORKLOADS.flatMap((workload) => workload.iam?.grants ?? []),
  // AWS's public parameter naming the newest Amazon Linux image (--nat instance).
  {
    sid: 'FixedIpSsmPublicImage',
    actions: ['ssm:GetParameter'],
    resource: 'arn:aws:ssm:*::parameter/aws/service/ami-amazon-linux-latest/*',
  },
  { sid: 'FixedIpSts', actions: ['sts:GetCallerIdentity'], resource: '*' },
];

/**
 * One grant per resource type the scoped kinds make (the S3 and DynamoDB endpoints share one):
 * their create and change calls on what those calls only refer to.
 */
function scopedParts(): Grant[] {
  const byType = new Map<string, Grant>();
  for (const kind of SCOPED) {
    const type = kind.iam.scope?.ownType ?? '';
    const sid = `FixedIpEc2${type.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}Parts`;
    const grant = byType.get(type);
    const actions = [...kind.iam.create.filter(notTagging), ...(kind.iam.change ?? [])];
    const resource = (kind.iam.scope?.refersTo ?? []).map(ec2);
    if (resource.length === 0 && !grant) continue;
    byType.set(type, {
      sid,
      actions: [...new Set([...(grant?.actions ?? []), ...actions])],
      resource: [...new Set([...((grant?.resource as string[] | undefined) ?? []), ...resource])],
    });
  }
  return [...byType.values()];
}

type Condition = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Condition;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The grant an action falls in; Describe* and the zone/quota reads go in the read statement. */
function isEc2Read(action: string): boolean {
  return /^ec2:Describe/.test(action);
}

/**
 * The statements for these commands: each grant keeps the actions the commands need, and goes when
 * none is left. The run guard's parameters are the last statement (only under /fixed-ip/).
 */
export function policyFor(given: readonly PolicyScope[]): PolicyDocument {
  const scopes = given.flatMap((scope) => (scope === 'ci' ? COMPOSED.ci : [scope]));
  const needed = new Set(scopes.flatMap((scope) => SERVICE_ACTIONS[scope]));
  const granted = new Set<string>();
  const statements: PolicyStatement[] = [];
  for (const grant of GRANTS) {
    const actions =
      grant.sid === 'FixedIpEc2Read'
        ? [...needed].filter(isEc2Read)
        : grant.actions.filter((action) => needed.has(action));
    if (actions.length === 0) continue;
    for (const action of actions) granted.add(action);
    const condition = grant.condition && conditionFor(grant, needed);
    statements.push({
      Sid: grant.sid,
      Effect: 'Allow',
      Action: [...actions].sort(),
      Resource: typeof grant.resource === 'string' ? grant.resource : [...grant.resource],
      ...(condition ? { Condition: condition } : {}),
    });
  }
  const ungranted = [...needed].filter((action) => !granted.has(action));
  if (ungranted.length > 0)
    throw new FixedIpError('INTERNAL', `iam-policy: no statement grants ${ungranted.join(', ')}`);
  const guarded = scopes.some((scope) => GUARDED.includes(scope));
  return {
    Version: '2012-10-17',
    Statement: [
      ...statements,
      ...(guarded
        ? [
            {
              Sid: 'FixedIpRunGuard',
              Effect: 'Allow' as const,
              Action: [...RUN_GUARD_ACTIONS],
              Resource: RUN_GUARD_RESOURCE,
            },
          ]
        : []),
    ],
  };
}

/** A grant's condition; tags at creation name the creates this policy has (ec2:CreateAction). */
function conditionFor(grant: Grant, needed: ReadonlySet<string>): Condition {
  const out: Condition = {};
  for (const [operator, keys] of Object.entries(grant.condition ?? {})) {
    out[operator] = {};
    for (const [key, value] of Object.entries(keys)) {
      out[operator][key] =
        key === 'ec2:CreateAction'
          ? CREATES.filter((action) => needed.has(action))
              .map((action) => action.slice('ec2:'.length))
              .sort()
          : typeof value === 'string'
            ? value
            : [...value];
    }
  }
  return out;
}

/** The IAM action of an SDK operation, e.g. ('ec2', 'CreateVpc') -> 'ec2:CreateVpc'. */
export function actionOf(service: string, operation: string): string {
  return `${service}:${operation}`;
}
