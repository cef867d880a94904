/**
 * Which authorizations AWS makes for one call, from the call's input and the account as it is:
 * each an IAM action on a resource's ARN with the request's condition keys. Taken from the
 * Service Authorization Reference (EC2, Lambda, IAM, SSM): an action's resource types, the
 * condition keys each supports, and its dependent actions (tags at creation are also
 * `ec2:CreateTags` on each new resource, with `ec2:CreateAction`; handing a role to a function is
 * also `iam:PassRole` on the role, with `iam:PassedToService`).
 *
 * A resource being created has the ARN `…:<type>/*` and carries the tags of the request
 * (`aws:RequestTag/…`, `aws:TagKeys`); an existing one carries its own tags
 * (`aws:ResourceTag/…`), read from the account: a resource that does not exist has none, so a
 * tag-scoped policy refuses even a DryRun on it. Actions with no resource types (Describe*,
 * ListFunctions, GetCallerIdentity, CloudWatch's GetMetricData, Cost Explorer's GetCostAndUsage)
 * are authorized on `*`; so are Service Quotas' GetServiceQuota and GetAWSDefaultServiceQuota (a
 * simplification: the reference gives them the quota's ARN, which a policy on `*` covers too).
 */
import type { SimContext } from './context.js';
import type { SimService } from './contract.js';
import type { AuthRequest, ContextValue, RequestContext } from './policy.js';
import type { Tags } from './model.js';
import { EC2_RESOURCE_TYPES } from './ec2/resource-types.js';
import { passingProfile } from './instance-profiles.js';
import { autoscalingAuthorizations } from './autoscaling.js';
import { budgetsAuthorizations } from './budgets.js';
import { ecsAuthorizations } from './ecs/authorization.js';

type Input = Record<string, unknown>;
type Spec = { ResourceType?: string; Tags?: Array<{ Key?: string; Value?: string }> };

/** EC2's resource type in ARNs, by id prefix. */
const EC2_TYPES: Readonly<Record<string, string>> = {
  vpc: 'vpc',
  subnet: 'subnet',
  igw: 'internet-gateway',
  rtb: 'route-table',
  sg: 'security-group',
  eipalloc: 'elastic-ip',
  nat: 'natgateway',
  eni: 'network-interface',
  i: 'instance',
  vol: 'volume',
  ami: 'image',
};

/** The IAM action a call needs: the operation's name, except where IAM names it otherwise. */
const IAM_ACTION_NAMES: Readonly<Record<string, string>> = {
  'lambda:Invoke': 'lambda:InvokeFunction',
  // Budgets authorizes two actions: one to change a budget, one to read it.
  'budgets:CreateBudget': 'budgets:ModifyBudget',
  'budgets:UpdateBudget': 'budgets:ModifyBudget',
  'budgets:DeleteBudget': 'budgets:ModifyBudget',
  'budgets:DescribeBudget': 'budgets:ViewBudget',
  'budgets:DescribeNotificationsForBudget': 'budgets:ViewBudget',
  'budgets:DescribeSubscribersForNotification': 'budgets:ViewBudget',
};

export function iamAction(service: SimService, operation: string): string {
  const action = `${service}:${operation}`;
  return IAM_ACTION_NAMES[action] ?? action;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strs = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function tagContext(
  prefix: 'aws:ResourceTag' | 'aws:RequestTag',
  tags: Tags,
  ec2: boolean,
): Record<string, string> {
  const context: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    context[`${prefix}/${key}`] = value;
    if (ec2 && prefix === 'aws:ResourceTag') context[`ec2:ResourceTag/${key}`] = value;
  }
  return context;
}

/** The live tags of an EC2 resource by id; none when it does not exist (a placeholder id). */
function ec2Tags(ctx: SimContext, id: string): Tags {
  const prefix = id.slice(0, id.lastIndexOf('-'));
  const { state } = ctx;
  const maps: Record<string, Record<string, { tags: Tags }>> = {
    vpc: state.vpcs,
    subnet: state.subnets,
    igw: state.internetGateways,
    rtb: state.routeTables,
    sg: state.securityGroups,
    eipalloc: state.addresses,
    nat: state.natGateways,
    eni: state.networkInterfaces,
    i: state.instances,
  };
  const type = EC2_RESOURCE_TYPES.find((t) => t.prefix === prefix);
  if (type) return type.tags(state, id) ?? {};
  if (prefix === 'vol')
    return Object.values(state.instances).find((i) => i.volume.id === id)?.volume.tags ?? {};
  return maps[prefix]?.[id]?.tags ?? {};
}

function ec2Arn(ctx: SimContext, type: string, id: string): string {
  return `arn:aws:ec2:${ctx.state.region}:${ctx.state.accountId}:${type}/${id}`;
}

/** An existing EC2 resource, by id. */
function existing(ctx: SimContext, action: string, id: string | undefined): AuthRequest[] {
  if (!id) return [];
  const prefix = id.slice(0, id.lastIndexOf('-'));
  const type = EC2_TYPES[prefix] ?? EC2_RESOURCE_TYPES.find((t) => t.prefix === prefix)?.arnType;
  if (!type) return [{ action, resource: '*', context: {} }];
  return [
    {
      action,
      resource: ec2Arn(ctx, type, id),
      context: tagContext('aws:ResourceTag', ec2Tags(ctx, id), true),
    },
  ];
}

function tagsOfSpecs(specs: unknown, resourceType: string): Tags {
  const tags: Tags = {};
  for (const spec of (Array.isArray(specs) ? specs : []) as Spec[])
    if (spec.ResourceType === resourceType)
      for (const tag of spec.Tags ?? []) tags[tag.Key ?? ''] = tag.Value ?? '';
  return tags;
}

/**
 * A resource the call creates, with the tags requested for it; and when tags are requested,
 * `ec2:CreateTags` on it as well (with `ec2:CreateAction`, the create's name).
 */
function creating(
  ctx: SimContext,
  action: string,
  type: string,
  specs: unknown,
  specType: string = type,
): AuthRequest[] {
  const tags = tagsOfSpecs(specs, specType);
  const context: RequestContext = {
    ...tagContext('aws:RequestTag', tags, true),
    ...(Object.keys(tags).length > 0 ? { 'aws:TagKeys': Object.keys(tags) } : {}),
  };
  const resource = ec2Arn(ctx, type, '*');
  const requests: AuthRequest[] = [{ action, resource, context }];
  if (Object.keys(tags).length > 0)
    requests.push({
      action: 'ec2:CreateTags',
      resource,
      context: { ...context, 'ec2:CreateAction': action.slice('ec2:'.length) },
    });
  return requests;
}

function ec2Requests(ctx: SimContext, operation: string, input: Input): AuthRequest[] | undefined {
  const action = `ec2:${operation}`;
  const own = (id: unknown): AuthRequest[] => existing(ctx, action, str(id));
  const specs = input.TagSpecifications;
  const typed = EC2_RESOURCE_TYPES.find((type) => operation in type.authorize)?.authorize[operation];
  if (typed)
    return typed(input, { creating: (type, tagSpecs) => creating(ctx, action, type, tagSpecs), own });
  switch (operation) {
    case 'CreateVpc':
      return creating(ctx, action, 'vpc', specs);
    case 'CreateInternetGateway':
      return creating(ctx, action, 'internet-gateway', specs);
    case 'CreateSubnet':
      return [...creating(ctx, action, 'subnet', specs), ...own(input.VpcId)];
    case 'CreateRouteTable':
      return [...creating(ctx, action, 'route-table', specs), ...own(input.VpcId)];
    case 'CreateSecurityGroup':
      return [...creating(ctx, action, 'security-group', specs), ...own(input.VpcId)];
    case 'GetIpamPoolCidrs':
    case 'GetIpamPoolAllocations':
      return [
        {
          action,
          resource: `arn:aws:ec2::${ctx.state.accountId}:ipam-pool/${str(input.IpamPoolId) ?? ''}`,
          context: {},
        },
      ];
    case 'AllocateAddress': {
      // From your pool: authorized on the pool too (an IPAM pool's ARN names no region).
      const pool =
        typeof input.IpamPoolId === 'string'
          ? `arn:aws:ec2::${ctx.state.accountId}:ipam-pool/${input.IpamPoolId}`
          : typeof input.PublicIpv4Pool === 'string' && input.PublicIpv4Pool !== 'amazon'
            ? ec2Arn(ctx, 'ipv4pool-ec2', input.PublicIpv4Pool)
            : undefined;
      return [
        ...creating(ctx, action, 'elastic-ip', specs),
        ...(pool ? [{ action, resource: pool, context: {} }] : []),
      ];
    }
    case 'CreateNatGateway': {
      const zoneAddresses = (
        Array.isArray(input.AvailabilityZoneAddresses) ? input.AvailabilityZoneAddresses : []
      ) as Array<{ AllocationIds?: unknown }>;
      return [
        ...creating(ctx, action, 'natgateway', specs),
        ...own(input.SubnetId),
        ...own(input.VpcId),
        ...own(input.AllocationId),
        ...zoneAddresses.flatMap((zone) => strs(zone.AllocationIds).flatMap(own)),
      ];
    }
    case 'CreateNetworkInterface':
      return [
        ...creating(ctx, action, 'network-interface', specs),
        ...own(input.SubnetId),
        ...strs(input.Groups).flatMap(own),
      ];
    case 'RunInstances': {
      // Launched on an existing interface: its subnet and groups are the instance's. The interface
      // itself is authorized with request keys only (the reference lists no ResourceTag for it).
      const interfaces = (Array.isArray(input.NetworkInterfaces) ? input.NetworkInterfaces : []) as Array<{
        NetworkInterfaceId?: string;
      }>;
      const enis = interfaces.map((n) => n.NetworkInterfaceId).filter((id): id is string => !!id);
      const parts = enis.flatMap((id) => {
        const eni = ctx.state.networkInterfaces[id];
        return [
          { action, resource: ec2Arn(ctx, 'network-interface', id), context: {} },
          ...(eni ? [...own(eni.subnetId), ...eni.groupIds.flatMap(own)] : []),
        ];
      });
      return [
        ...creating(ctx, action, 'instance', specs),
        ...creating(ctx, action, 'volume', specs),
        ...own(input.ImageId),
        ...own(input.SubnetId),
        ...strs(input.SecurityGroupIds).flatMap(own),
        ...parts,
        ...passingProfile(ctx, input.IamInstanceProfile),
      ];
    }
    case 'AttachNetworkInterface':
      return [...own(input.InstanceId), ...own(input.NetworkInterfaceId)];
    case 'DetachNetworkInterface': {
      const eni = Object.values(ctx.state.networkInterfaces).find(
        (e) => e.attachment?.id === input.AttachmentId,
      );
      if (!eni) return [{ action, resource: '*', context: {} }];
      return [...own(eni.attachment?.instanceId), ...own(eni.id)];
    }
    case 'AttachInternetGateway':
    case 'DetachInternetGateway':
      return [...own(input.InternetGatewayId), ...own(input.VpcId)];
    case 'DeleteInternetGateway':
      return own(input.InternetGatewayId);
    case 'CreateRoute':
    case 'ReplaceRoute':
    case 'DeleteRoute':
    case 'DeleteRouteTable':
      return own(input.RouteTableId);
    case 'AssociateRouteTable':
      return [...own(input.RouteTableId), ...own(input.SubnetId), ...own(input.GatewayId)];
    case 'DisassociateRouteTable': {
      const table = Object.values(ctx.state.routeTables).find((t) =>
        t.associations.some((a) => a.id === input.AssociationId),
      );
      const association = table?.associations.find((a) => a.id === input.AssociationId);
      if (!table) return [{ action, resource: '*', context: {} }];
      return [...own(table.id), ...own(association?.subnetId ?? undefined)];
    }
    case 'DeleteSubnet':
      return own(input.SubnetId);
    case 'DeleteVpc':
      return own(input.VpcId);
    case 'DeleteSecurityGroup':
    case 'RevokeSecurityGroupIngress':
    case 'RevokeSecurityGroupEgress':
    case 'AuthorizeSecurityGroupEgress':
      return own(input.GroupId);
    case 'AuthorizeSecurityGroupIngress':
      return [...own(input.GroupId), ...creating(ctx, action, 'security-group-rule', specs)];
    case 'ReleaseAddress':
      return own(input.AllocationId);
    case 'AssociateAddress':
      return [...own(input.AllocationId), ...own(input.NetworkInterfaceId), ...own(input.InstanceId)];
    case 'DisassociateAddress': {
      const address = Object.values(ctx.state.addresses).find(
        (a) => a.externalAssociation?.associationId === input.AssociationId,
      );
      if (!address) return [{ action, resource: '*', context: {} }];
      return [...own(address.id), ...own(address.externalAssociation?.networkInterfaceId)];
    }
    case 'DeleteNatGateway':
      return own(input.NatGatewayId);
    case 'AssociateNatGatewayAddress':
      return [...own(input.NatGatewayId), ...strs(input.AllocationIds).flatMap(own)];
    case 'DisassociateNatGatewayAddress': {
      const nat = ctx.state.natGateways[str(input.NatGatewayId) ?? ''];
      const associations = strs(input.AssociationIds);
      const allocations = (nat?.regional?.addresses ?? [])
        .filter((a) => associations.includes(a.associationId) && a.allocationId)
        .map((a) => a.allocationId ?? '');
      return [...own(input.NatGatewayId), ...allocations.flatMap(own)];
    }
    case 'ModifyNetworkInterfaceAttribute':
    case 'DeleteNetworkInterface':
      return own(input.NetworkInterfaceId);
    case 'TerminateInstances':
    case 'StartInstances':
    case 'StopInstances':
      return strs(input.InstanceIds).flatMap(own);
    case 'CreateTags':
    case 'DeleteTags': {
      const tags: Tags = {};
      for (const tag of (Array.isArray(input.Tags) ? input.Tags : []) as Array<{
        Key?: string;
        Value?: string;
      }>)
        tags[tag.Key ?? ''] = tag.Value ?? '';
      return strs(input.Resources).flatMap((id) =>
        existing(ctx, action, id).map((request) => ({
          ...request,
          context: {
            ...request.context,
            ...(operation === 'CreateTags' ? tagContext('aws:RequestTag', tags, true) : {}),
            'aws:TagKeys': Object.keys(tags),
          },
        })),
      );
    }
    default:
      return undefined;
  }
}

function functionArn(ctx: SimContext, name: string): string {
  const bare = name.startsWith('arn:') ? name.slice(name.lastIndexOf(':') + 1) : name;
  return `arn:aws:lambda:${ctx.state.region}:${ctx.state.accountId}:function:${bare}`;
}

function functionName(name: string): string {
  const match = /:function:([^:]+)/.exec(name);
  return match?.[1] ?? name;
}

function lambdaRequests(ctx: SimContext, operation: string, input: Input): AuthRequest[] | undefined {
  const action = iamAction('lambda', operation);
  const nameInput = str(input.FunctionName) ?? str(input.Resource);
  if (operation === 'ListFunctions') return [{ action, resource: '*', context: {} }];
  if (nameInput === undefined) return undefined;
  const name = functionName(nameInput);
  const fn = ctx.state.functions[name];
  const resource = functionArn(ctx, name);
  const context: Record<string, ContextValue> = tagContext('aws:ResourceTag', fn?.tags ?? {}, false);
  const passing = (role: unknown): AuthRequest[] =>
    typeof role === 'string'
      ? [
          {
            action: 'iam:PassRole',
            resource: role,
            context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
          },
        ]
      : [];
  switch (operation) {
    case 'CreateFunction': {
      const tags = (input.Tags ?? {}) as Tags;
      return [
        {
          action,
          resource,
          context: {
            ...tagContext('aws:RequestTag', tags, false),
            ...(Object.keys(tags).length > 0 ? { 'aws:TagKeys': Object.keys(tags) } : {}),
          },
        },
        ...passing(input.Role),
      ];
    }
    case 'UpdateFunctionConfiguration':
      return [{ action, resource, context }, ...passing(input.Role)];
    case 'TagResource': {
      const tags = (input.Tags ?? {}) as Tags;
      return [
        {
          action,
          resource,
          context: {
            ...context,
            ...tagContext('aws:RequestTag', tags, false),
            'aws:TagKeys': Object.keys(tags),
          },
        },
      ];
    }
    case 'UntagResource':
      return [{ action, resource, context: { ...context, 'aws:TagKeys': strs(input.TagKeys) } }];
    default:
      return [{ action, resource, context }];
  }
}

function roleArn(ctx: SimContext, name: string): string {
  return `arn:aws:iam::${ctx.state.accountId}:role/${name}`;
}

function iamRequests(ctx: SimContext, operation: string, input: Input): AuthRequest[] | undefined {
  const action = `iam:${operation}`;
  if (operation === 'SimulatePrincipalPolicy')
    return [{ action, resource: str(input.PolicySourceArn) ?? '*', context: {} }];
  const profileName = str(input.InstanceProfileName);
  if (profileName !== undefined) {
    // Instance profile actions are on the profile (and, adding or removing a role, on the role too:
    // AddRoleToInstanceProfile also needs iam:PassRole on the role).
    const profile = ctx.state.instanceProfiles?.[profileName];
    const resource = `arn:aws:iam::${ctx.state.accountId}:instance-profile/${profileName}`;
    if (operation === 'CreateInstanceProfile') {
      // Created with its tags (aws:RequestTag), which need iam:TagInstanceProfile as well.
      const tags = Object.fromEntries(
        ((Array.isArray(input.Tags) ? input.Tags : []) as Array<{ Key?: string; Value?: string }>).map(
          (t) => [t.Key ?? '', t.Value ?? ''],
        ),
      );
      const context = {
        ...tagContext('aws:RequestTag', tags, false),
        ...(Object.keys(tags).length > 0 ? { 'aws:TagKeys': Object.keys(tags) } : {}),
      };
      return [
        { action, resource, context },
        ...(Object.keys(tags).length > 0 ? [{ action: 'iam:TagInstanceProfile', resource, context }] : []),
      ];
    }
    const requests: AuthRequest[] = [
      {
        action,
        resource,
        context: {
          ...tagContext('aws:ResourceTag', profile?.tags ?? {}, false),
          ...(operation === 'UntagInstanceProfile' ? { 'aws:TagKeys': strs(input.TagKeys) } : {}),
        },
      },
    ];
    const role = str(input.RoleName);
    if (operation === 'AddRoleToInstanceProfile' && role !== undefined)
      requests.push({ action: 'iam:PassRole', resource: roleArn(ctx, role), context: {} });
    return requests;
  }
  const name = str(input.RoleName);
  if (name === undefined) return undefined;
  const role = ctx.state.roles[name];
  const resource = roleArn(ctx, name);
  const context: Record<string, ContextValue> = tagContext('aws:ResourceTag', role?.tags ?? {}, false);
  const requestTags = Object.fromEntries(
    ((Array.isArray(input.Tags) ? input.Tags : []) as Array<{ Key?: string; Value?: string }>).map((t) => [
      t.Key ?? '',
      t.Value ?? '',
    ]),
  );
  const tagging = {
    ...tagContext('aws:RequestTag', requestTags, false),
    ...(Object.keys(requestTags).length > 0 ? { 'aws:TagKeys': Object.keys(requestTags) } : {}),
  };
  switch (operation) {
    case 'AttachRolePolicy':
    case 'DetachRolePolicy':
      return [{ action, resource, context: { ...context, 'iam:PolicyARN': str(input.PolicyArn) ?? '' } }];
    case 'CreateRole':
      // Tags at creation need iam:TagRole as well.
      return [
        { action, resource, context: tagging },
        ...(Object.keys(requestTags).length > 0
          ? [{ action: 'iam:TagRole', resource, context: tagging }]
          : []),
      ];
    case 'TagRole':
      return [{ action, resource, context: { ...context, ...tagging } }];
    case 'UntagRole':
      return [{ action, resource, context: { ...context, 'aws:TagKeys': strs(input.TagKeys) } }];
    default:
      return [{ action, resource, context }];
  }
}

function ssmRequests(ctx: SimContext, operation: string, input: Input): AuthRequest[] {
  const action = `ssm:${operation}`;
  const names = operation === 'GetParameters' ? strs(input.Names) : [str(input.Name) ?? ''];
  return names.map((name) => {
    const path = name.startsWith('/') ? name.slice(1) : name;
    // AWS's public parameters have no account in their ARN.
    const account = path.startsWith('aws/service/') ? '' : ctx.state.accountId;
    return { action, resource: `arn:aws:ssm:${ctx.state.region}:${account}:parameter/${path}`, context: {} };
  });
}

/** Every authorization AWS makes for this call. */
export function authorizationsOf(
  ctx: SimContext,
  service: SimService,
  operation: string,
  input: Input,
): AuthRequest[] {
  const requests =
    service === 'ec2'
      ? ec2Requests(ctx, operation, input)
      : service === 'lambda'
        ? lambdaRequests(ctx, operation, input)
        : service === 'iam'
          ? iamRequests(ctx, operation, input)
          : service === 'ssm'
            ? ssmRequests(ctx, operation, input)
            : service === 'autoscaling'
              ? autoscalingAuthorizations(ctx, operation, input)
              : service === 'budgets'
                ? budgetsAuthorizations(ctx, operation, input)
                : service === 'ecs'
                  ? ecsAuthorizations(ctx, operation, input)
                  : undefined;
  return requests ?? [{ action: iamAction(service, operation), resource: '*', context: {} }];
}

/** The authorization behind a function's tags in GetFunction's answer (Lambda: only with ListTags). */
export function listTagsRequest(ctx: SimContext, name: string): AuthRequest {
  const fn = ctx.state.functions[name];
  return {
    action: 'lambda:ListTags',
    resource: functionArn(ctx, name),
    context: tagContext('aws:ResourceTag', fn?.tags ?? {}, false),
  };
}
