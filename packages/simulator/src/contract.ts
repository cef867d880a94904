/**
 * The simulator's contract with the rest of fixed-ip. One model of AWS serves the tests (through
 * aws-sdk-client-mock) and `--simulate` (through an SDK middleware): both call `handle`.
 */

/** The AWS services the simulator answers (the CLI's AwsService, by structure). */
export type SimService =
  | 'ec2'
  | 'lambda'
  | 'sts'
  | 'iam'
  | 'ssm'
  | 'autoscaling'
  | 'cloudwatch'
  | 'ce'
  | 'budgets'
  | 'ecs'
  | 'servicequotas';

/** Time, as the simulator is given it: the CLI's Clock port, by structure. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface SimTimings {
  /** NAT gateway pending -> available (or -> failed). Real AWS: 1-5 min. */
  natPendingMs: number;
  /** NAT gateway deleting -> deleted. */
  natDeletingMs: number;
  /** A failed or deleted NAT gateway stays visible to Describe this long (about an hour). */
  natGoneVisibleMs: number;
  /** Lambda UpdateFunctionConfiguration with a VPC change: InProgress -> Successful. */
  functionUpdateMs: number;
  /** After no function uses a subnet+security-group pair, Lambda's ENI lingers this long. */
  eniReleaseMs: number;
  /** A resource just created is NotFound / omitted from Describe calls for this long. */
  eventualConsistencyMs: number;
  /** EC2 instance pending -> running (and stopped -> pending -> running). */
  instancePendingMs: number;
  /** EC2 instance stopping -> stopped. */
  instanceStoppingMs: number;
  /** EC2 instance shutting-down -> terminated. */
  instanceShuttingDownMs: number;
  /** Status checks stay 'initializing' this long after the instance is running. */
  instanceStatusInitMs: number;
  /** A terminated instance stays visible to Describe this long (about an hour). */
  instanceGoneVisibleMs: number;
  /**
   * A role just created cannot be assumed by Lambda for this long (IAM is eventually consistent:
   * CreateFunction says "The role defined for the function cannot be assumed by Lambda").
   */
  roleAssumableMs: number;
  /**
   * An instance profile just created cannot be given to an instance for this long (IAM is eventually
   * consistent: RunInstances says "Value (…) for parameter iamInstanceProfile.name is invalid").
   */
  instanceProfileUsableMs: number;
  /** AttachNetworkInterface: the attachment is 'attaching' this long, then 'attached'. */
  interfaceAttachMs: number;
  /** DetachNetworkInterface: the attachment is 'detaching' this long, then the interface is 'available'. */
  interfaceDetachMs: number;
  /**
   * A fixed-ip NAT instance (user data with the `# fixed-ip:nat-config` block) is running this long
   * before its boot script is done (Amazon Linux 2023's boot, a swap file, a package install) and it
   * reports `ready`.
   */
  natBootMs: number;
  /** Its interface attached (device index >= 1), the instance configures it this long, then forwards. */
  natConfigureMs: number;
  /** A self-attaching NAT instance looks at its interface again this often while it waits. */
  natRetryMs: number;
  /** A self-attaching NAT instance gives up this long after it began trying (the script: 10 minutes). */
  natAttachGiveUpMs: number;
  /**
   * An Auto Scaling group notices a lost instance (terminated, stopped, unhealthy) and starts its
   * replacement this long after it was lost: EC2 health checks run about every minute.
   */
  groupReplaceMs: number;
  /**
   * An ECS task is PENDING this long (an interface made and attached, its image pulled), then
   * RUNNING; a task that cannot reach its image registry stops this long after it was started.
   */
  ecsTaskStartMs: number;
  /** An ECS task told to stop is STOPPED (its interface deleted) this long later. */
  ecsTaskStopMs: number;
  /** After a task of a deployment fails to start, ECS waits this long before it starts another. */
  ecsRetryMs: number;
  /** A stopped task, and an INACTIVE service, stay visible to Describe this long (about an hour). */
  ecsGoneVisibleMs: number;
  /** Each call takes a random latency in [min, max] ms on the clock (0 by default). */
  callLatencyMs: [number, number];
}

/** AWS's bad days, switchable per test. `times` defaults to 1; `nth` (1-based) picks the nth matching call. */
export type Fault =
  /** The call takes effect, but the client sees a network error (ECONNRESET). */
  | { kind: 'lostResponse'; operation: string; times?: number; nth?: number }
  /** The call is rejected before it takes effect. */
  | {
      kind: 'reject';
      operation: string;
      error: 'throttle' | 'server' | 'network';
      times?: number;
      nth?: number;
    }
  /** The next NAT gateway(s) created end `failed` with this code. */
  | { kind: 'natFails'; failureCode: 'InsufficientFreeAddressesInSubnet' | 'InternalError'; times?: number }
  /** The caller lacks this IAM action (e.g. 'ec2:CreateNatGateway'): UnauthorizedOperation / AccessDenied. */
  | { kind: 'deny'; action: string }
  /**
   * The next invocation(s) crash inside the function (Lambda's answer for an unhandled error: status
   * 200, FunctionError 'Unhandled', the error in the payload), e.g. Runtime.ImportModuleError.
   */
  | { kind: 'functionCrashes'; errorType: string; errorMessage: string; times?: number }
  /**
   * The next fixed-ip NAT instance(s) launched fail their boot: they report `failed: <reason>` on
   * their boot tag (as the user data does when, say, a package install fails) and never forward.
   */
  | { kind: 'natBootFails'; reason: string; times?: number };

export interface SimCall {
  service: SimService;
  operation: string;
  input: unknown;
  at: number;
  /** 'ok', or the error name the client saw. */
  outcome: string;
  /** True when the call changed the account (effect applied), even if the client saw an error. */
  mutated: boolean;
}
