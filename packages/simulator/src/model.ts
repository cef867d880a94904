/**
 * The simulated account as plain data: records keyed by id, timestamps in clock ms. Nothing here
 * holds a class instance or a Date, so `toJSON` is a structured clone and `fromJSON` is its inverse.
 * States that change with time (NAT gateways, function updates, Lambda's ENIs) are stored as
 * deadlines and derived when read (lifecycle.ts), so a real clock across processes sees them move.
 */

export type Tags = Record<string, string>;

export interface ResourceRecord {
  id: string;
  createdAt: number;
  /** Describe calls omit the resource (and NotFound it by id) until then: eventual consistency. */
  visibleAt: number;
  tags: Tags;
}

export interface VpcRecord extends ResourceRecord {
  cidr: string;
  isDefault: boolean;
  mainRouteTableId: string;
  defaultSecurityGroupId: string;
  dhcpOptionsId: string;
  cidrAssociationId: string;
}

export interface SubnetRecord extends ResourceRecord {
  vpcId: string;
  cidr: string;
  az: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
  /** A dual-stack subnet's IPv6 CIDR (absent: IPv4 only, as every subnet fixed-ip makes). */
  ipv6Cidr?: string;
}

export interface InternetGatewayRecord extends ResourceRecord {
  vpcId: string | null;
}

export interface RouteRecord {
  destination: string;
  /** 'local' for the VPC's own route, else an internet gateway id. */
  gatewayId?: string;
  natGatewayId?: string;
  /** A NAT instance's interface. */
  networkInterfaceId?: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteTableAssociationRecord {
  id: string;
  /** null for the main association (the VPC's default table). */
  subnetId: string | null;
  main: boolean;
}

export interface RouteTableRecord extends ResourceRecord {
  vpcId: string;
  routes: RouteRecord[];
  associations: RouteTableAssociationRecord[];
}

/** One security group rule, flattened: a protocol, a port range and one peer. */
export interface SecurityGroupRuleRecord {
  id: string;
  protocol: string;
  fromPort: number;
  toPort: number;
  cidr?: string;
  groupId?: string;
  description?: string;
}

export interface SecurityGroupRecord extends ResourceRecord {
  vpcId: string;
  name: string;
  description: string;
  isDefault: boolean;
  /** Absent on accounts saved before rules were modeled: no ingress. */
  ingress?: SecurityGroupRuleRecord[];
  /** Absent: AWS's default, all traffic out to 0.0.0.0/0. */
  egress?: SecurityGroupRuleRecord[];
}

/** A network interface the account made (CreateNetworkInterface, or RunInstances with a subnet). */
export interface NetworkInterfaceRecord extends ResourceRecord {
  subnetId: string;
  vpcId: string;
  privateIp: string;
  groupIds: string[];
  description: string;
  sourceDestCheck: boolean;
  attachment: InterfaceAttachmentRecord | null;
}

/** An interface's attachment to an instance, with its deadlines (absent on accounts saved before they were modelled). */
export interface InterfaceAttachmentRecord {
  id: string;
  instanceId: string;
  deviceIndex: number;
  deleteOnTermination: boolean;
  attachedAt: number;
  /** AttachNetworkInterface: 'attaching' until then, 'attached' after (absent: attached at once, as at launch). */
  attachingUntil?: number;
  /** DetachNetworkInterface: 'detaching' until then, gone after. */
  detachingUntil?: number;
}

/** Where a fixed-ip NAT instance's boot script is (see nat-boot.ts): what it does, not what it could report. */
export interface NatBootRecord {
  /** The running period the boot belongs to (a stop and start boots again). */
  runningSince: number;
  /** '' before the boot is done; then 'ready', 'forwarding', 'waiting: …' or 'failed: …'. */
  state: string;
  /** When the script last looked at its interface (a self-attaching one looks again natRetryMs later). */
  checkedAt: number;
  /** When self-attach began trying (it gives up natAttachGiveUpMs later); null while it has the interface. */
  attachSince: number | null;
  /** Why the last self-attach attempt did not attach (part of the give-up reason). */
  why: string;
  /** It has had its interface this boot: it never self-attaches again (the script's /run marker). */
  hadIt?: boolean;
}

export type InstanceStableState = 'running' | 'stopped' | 'terminated';
export type InstanceTransition = 'pending' | 'stopping' | 'shutting-down';

export interface InstanceRecord extends ResourceRecord {
  imageId: string;
  instanceType: string;
  subnetId: string;
  vpcId: string;
  az: string;
  primaryEniId: string;
  privateIp: string;
  reservationId: string;
  keyName: string | null;
  userData: string | null;
  httpTokens: 'required' | 'optional';
  volume: {
    id: string;
    deviceName: string;
    sizeGiB: number;
    encrypted: boolean;
    deleteOnTermination: boolean;
    tags: Tags;
  };
  /** `transition` until `until`, then `settles`. */
  phase: { transition: InstanceTransition; until: number; settles: InstanceStableState };
  /** Last launch or start: status checks run from when it is running. */
  launchedAt: number;
  /** Launched with AssociatePublicIpAddress: a public IPv4 from Amazon's pool while pending or running. */
  associatePublicIp?: boolean;
  /** The auto-assigned public IPv4 (a new one at every start). */
  publicIp?: string | null;
  /** The instance profile it was launched with (its role is what its boot script acts as). */
  instanceProfile?: { name: string; arn: string; id: string };
  /** MaintenanceOptions.AutoRecovery. */
  autoRecovery?: 'default' | 'disabled';
  /** Set for a fixed-ip NAT instance (its user data has the config block): its boot, on the clock. */
  natBoot?: NatBootRecord;
  /** Set by a `natBootFails` fault at launch: the boot ends `failed: <reason>`. */
  natBootFailure?: string;
}

export interface AddressRecord extends ResourceRecord {
  publicIp: string;
  /** Associated with something outside fixed-ip's world (an instance), set only by seeding. */
  externalAssociation: { associationId: string; networkInterfaceId: string; privateIp: string } | null;
  /** Where AWS advertises the address: the region's group (absent), or a Local Zone's. */
  networkBorderGroup?: string;
  /** The IPAM or BYOIP pool it was allocated from (absent: Amazon's). */
  pool?: string;
}

/**
 * An address pool of the account's: an IPAM pool (`ipam-pool-…`, AllocateAddress's IpamPoolId) or
 * a BYOIP pool (`ipv4pool-ec2-…`, its PublicIpv4Pool). Elastic IPs from it take its CIDR's addresses.
 */
export interface AddressPoolRecord {
  id: string;
  type: 'ipam' | 'byoip';
  cidr: string;
  /** An IPAM pool's locale, or a BYOIP pool's network border group. */
  locale: string;
  /** An IPAM pool's address family. */
  addressFamily: 'ipv4' | 'ipv6';
  /** An IPAM pool's public source (absent: a private pool, which gives no Elastic IPs). */
  publicIpSource?: 'amazon' | 'byoip';
  /** The service an IPAM pool serves ('ec2' for Elastic IPs). */
  awsService?: 'ec2';
}

export interface NatFailure {
  code: string;
  message: string;
}

/** One address of a regional NAT gateway, in one zone. */
export interface RegionalNatAddressRecord {
  /** Absent for the addresses AWS picks itself in automatic mode. */
  allocationId: string | null;
  publicIp: string;
  az: string;
  associationId: string;
  isPrimary: boolean;
  /** 'associating' until then, 'succeeded' after. */
  readyAt: number;
  /** Set by DisassociateNatGatewayAddress: 'disassociating' (draining) until then, gone after. */
  drainUntil: number | null;
}

export interface RegionalNatRecord {
  /** Automatic mode (no addresses given): AWS picks the zones and the IPs, and may add some. */
  automatic: boolean;
  /** The route table AWS makes for the gateway, with a route to the internet gateway. */
  routeTableId: string;
  addresses: RegionalNatAddressRecord[];
}

export interface NatGatewayRecord extends ResourceRecord {
  /** null for a regional gateway, which lives in the VPC, not in a subnet. */
  subnetId: string | null;
  vpcId: string;
  /** A zonal gateway's address; '' for a regional one (see `regional.addresses`). */
  allocationId: string;
  publicIp: string;
  /** null when the gateway could not get an address in its subnet. */
  eniId: string | null;
  privateIp: string | null;
  associationId: string;
  /** pending until then; then available, or failed when `failure` is set. */
  readyAt: number;
  failure: NatFailure | null;
  /** Set by DeleteNatGateway: deleting until then, deleted after. */
  deletingUntil: number | null;
  /** Present on a regional gateway (AvailabilityMode 'regional'); absent on zonal ones. */
  regional?: RegionalNatRecord;
}

/** Lambda's Hyperplane ENI: one per subnet + security-group set, shared by functions. */
export interface LambdaEniRecord {
  id: string;
  subnetId: string;
  vpcId: string;
  /** Sorted, so the pair key is stable. */
  groupIds: string[];
  privateIp: string;
  description: string;
  createdAt: number;
  /** Set when the last function leaves the pair: the ENI is gone from then on. */
  releaseAt: number | null;
}

export interface FunctionUpdateRecord {
  until: number;
  /** The update created a new ENI: State is Pending meanwhile. */
  pending: boolean;
  /** Set when the update cannot complete: LastUpdateStatus becomes Failed and the config stays as it was. */
  failure: { code: string; reason: string } | null;
}

/** A published version: the configuration $LATEST had when it was published, frozen. */
export interface FunctionVersionRecord {
  version: string;
  runtime: string;
  roleName: string;
  subnetIds: string[];
  securityGroupIds: string[];
  description: string;
  timeout: number;
  memorySize: number;
  /** $LATEST's revision when published: publishing an unchanged $LATEST again returns this version. */
  fromRevision: number;
  lastModified: number;
}

export interface FunctionAliasRecord {
  name: string;
  functionVersion: string;
  description: string;
  revision: number;
}

export interface FunctionRecord {
  /** Published versions, oldest first (absent on accounts saved before versions were modeled). */
  versions?: FunctionVersionRecord[];
  /** The last version number handed out; numbers are never reused. */
  lastVersion?: number;
  aliases?: Record<string, FunctionAliasRecord>;
  name: string;
  runtime: string;
  roleName: string;
  subnetIds: string[];
  securityGroupIds: string[];
  /** VpcConfig.Ipv6AllowedForDualStack (absent on accounts saved before it was modeled: false). */
  ipv6AllowedForDualStack?: boolean;
  description: string;
  timeout: number;
  memorySize: number;
  tags: Tags;
  lastModified: number;
  revision: number;
  update: FunctionUpdateRecord | null;
}

export interface RoleRecord {
  name: string;
  id: string;
  createdAt: number;
  policyArns: string[];
  /** Absent on roles seeded without tags, and on accounts saved before roles had them. */
  tags?: Tags;
  /** The trust policy, as given to CreateRole (seeded roles trust Lambda). */
  assumeRolePolicy?: string;
  /** Made by CreateRole: Lambda cannot assume it before then (IAM's eventual consistency). */
  assumableAt?: number;
  /** PutRolePolicy: inline policies by name, as JSON documents. */
  inlinePolicies?: Record<string, string>;
}

/** An IAM instance profile: the holder of (at most) one role that an EC2 instance acts as. */
export interface InstanceProfileRecord {
  name: string;
  id: string;
  createdAt: number;
  /** RunInstances refuses it before then (IAM's eventual consistency). */
  usableAt: number;
  roleName: string | null;
  tags: Tags;
}

export interface ClientTokenRecord {
  /** Canonical JSON of the request without its token, to detect a mismatched reuse. */
  params: string;
  resourceId: string;
}

/** A parameter the account stored (PutParameter): the public ones (AMI ids) are not kept here. */
export interface ParameterRecord {
  name: string;
  type: 'String' | 'StringList' | 'SecureString';
  value: string;
  /** 1 when created, +1 on every overwrite; a deleted and re-created parameter starts at 1 again. */
  version: number;
  lastModified: number;
  tier: 'Standard' | 'Advanced';
  description?: string;
}

export interface AccountState {
  region: string;
  accountId: string;
  /** mulberry32 state: every id and address comes from it, so a seed gives the same account. */
  rng: number;
  vpcs: Record<string, VpcRecord>;
  subnets: Record<string, SubnetRecord>;
  internetGateways: Record<string, InternetGatewayRecord>;
  routeTables: Record<string, RouteTableRecord>;
  securityGroups: Record<string, SecurityGroupRecord>;
  addresses: Record<string, AddressRecord>;
  natGateways: Record<string, NatGatewayRecord>;
  lambdaEnis: Record<string, LambdaEniRecord>;
  functions: Record<string, FunctionRecord>;
  roles: Record<string, RoleRecord>;
  networkInterfaces: Record<string, NetworkInterfaceRecord>;
  instances: Record<string, InstanceRecord>;
  /** Keyed by `${operation}:${token}`. */
  clientTokens: Record<string, ClientTokenRecord>;
  /** SSM Parameter Store, by name. */
  parameters: Record<string, ParameterRecord>;
  /** IPAM and BYOIP pools by id (absent until one is seeded). */
  addressPools?: Record<string, AddressPoolRecord>;
  /** IAM instance profiles by name (absent on accounts saved before they were modelled, and until one is made). */
  instanceProfiles?: Record<string, InstanceProfileRecord>;
}

export function emptyAccount(region: string, accountId: string, seed: number): AccountState {
  return {
    region,
    accountId,
    rng: seed >>> 0,
    vpcs: {},
    subnets: {},
    internetGateways: {},
    routeTables: {},
    securityGroups: {},
    addresses: {},
    natGateways: {},
    lambdaEnis: {},
    functions: {},
    roles: {},
    networkInterfaces: {},
    instances: {},
    clientTokens: {},
    parameters: {},
  };
}
