/**
 * The message catalogue: every message the core gives the UI port, by code, with its level and what
 * it says, in the style of AWS CDK toolkit-lib's `messages.ts`. A code not listed here does not
 * compile (src/ports/ui.ts types `Message` from it), nor does a message at another level than its
 * code's, nor a payload (`data`) of another type. Tests and scripts assert on these codes, never on
 * text. A code ending in `.*` is a family: one code per step or resource (`setup.step.vpc`).
 */
import type { Level } from './levels.js';

interface Spec {
  level: Level;
  /** What it tells the user, in a few words. */
  says: string;
}

export const MESSAGES = {
  // setup
  'setup.who': { level: 'info', says: 'the account, region and identity this run works in' },
  'setup.discovered': { level: 'info', says: 'a stack found by its tags where the state file had none' },
  'setup.stale': { level: 'warn', says: 'a state record whose resource is gone: it will be made again' },
  'setup.function.gone': { level: 'warn', says: 'a function the state names no longer exists' },
  'setup.function.aliases': { level: 'warn', says: 'an alias or version keeps its own network settings' },
  'setup.eip.held': { level: 'info', says: 'the kept Elastic IP is reused' },
  'setup.eip.lost': { level: 'warn', says: 'the kept Elastic IP is gone: the IP will change' },
  'setup.eip.handover': { level: 'warn', says: 'the IP moves to a new NAT: a short gap in egress' },
  'setup.eip.moving': { level: 'warn', says: 'the Elastic IP is being moved between NAT gateways' },
  'setup.endpoint.source-ip': {
    level: 'warn',
    says: "a bucket policy on the NAT's IP (aws:SourceIp) stops matching traffic through the endpoint",
  },
  'setup.plan': { level: 'info', says: 'the plan: one line per resource' },
  'setup.plan.step': { level: 'info', says: 'one resource of the plan' },
  'setup.plan.retire': { level: 'info', says: 'what a shape change removes' },
  'setup.plan.cost': { level: 'info', says: 'what the plan costs per hour and month' },
  'setup.allowlist': { level: 'warn', says: 'the run adds an egress IP partners must allowlist' },
  'setup.nat.explain': {
    level: 'info',
    says: 'why the NAT gateway wait takes minutes, and that the gateways are billed from now',
  },
  'setup.nat.member': { level: 'info', says: 'a NAT gateway the wait is for' },
  'setup.cost': { level: 'info', says: 'what the stack costs' },
  'setup.single-az': { level: 'info', says: 'one zone: no zone redundancy' },
  'setup.adopted': { level: 'info', says: 'a resource found by its tags was adopted' },
  'setup.step.*': { level: 'success', says: 'a resource was made, or found as it should be' },
  'setup.kept.*': { level: 'info', says: 'a resource a shape change would remove was kept' },
  'setup.retired.*': { level: 'success', says: 'a resource a shape change no longer needs was removed' },
  'setup.retire.later': {
    level: 'warn',
    says: 'a resource to retire is still in use: the next run removes it',
  },
  'setup.role.fixed': { level: 'success', says: "a function's role was given VPC access" },
  'setup.egress.missing': { level: 'warn', says: 'the IP could not be read back from AWS' },
  'setup.readback': { level: 'debug', says: 'what was read back from AWS after the run' },
  'setup.summary': { level: 'info', says: 'the summary after setup' },
  'simulate.defaults': { level: 'info', says: 'the simulated account takes every default' },
  'stack.discovered': { level: 'warn', says: 'a stack found by its tags, not its state file' },
  'orphan.kept': { level: 'warn', says: 'a resource left by an interrupted run that is still in use' },
  'orphan.removed': { level: 'info', says: 'a resource left by an interrupted run was removed' },
  // teardown
  'teardown.who': { level: 'info', says: 'the account, region and identity this run works in' },
  'teardown.stale': { level: 'warn', says: 'a state record whose resource is already gone' },
  'teardown.unproven': { level: 'warn', says: 'resources kept because fixed-ip cannot prove it made them' },
  'teardown.plan.delete': { level: 'info', says: 'the list of what teardown deletes' },
  'teardown.plan.keep': { level: 'info', says: 'the list of what teardown keeps' },
  'teardown.plan.item': { level: 'info', says: 'one resource of a list' },
  'teardown.plan.stranded': {
    level: 'warn',
    says: 'functions not of the stack in its subnets lose the internet',
  },
  'teardown.functions.unchecked': { level: 'warn', says: 'the functions could not be listed' },
  'teardown.eip.warning': { level: 'warn', says: 'releasing the Elastic IP loses the allowlisted IP' },
  'teardown.function.moved': { level: 'info', says: 'a function was moved back to its previous network' },
  'teardown.function.gone': { level: 'info', says: 'a function of the stack no longer exists' },
  'teardown.function.failed': { level: 'warn', says: 'a function could not be moved back' },
  'teardown.function.out-of-vpc': { level: 'warn', says: 'a function left the VPC by hand' },
  'teardown.function.partly': { level: 'warn', says: 'a function is only partly in the stack' },
  'teardown.function.tags': { level: 'warn', says: "a function's tags could not be removed" },
  'teardown.service.moved': {
    level: 'info',
    says: 'an ECS service had left the stack by hand; left as it is',
  },
  'teardown.service.gone': { level: 'info', says: 'an ECS service of the stack no longer exists' },
  'teardown.service.failed': { level: 'warn', says: 'an ECS service could not be moved back' },
  'teardown.service.partly': { level: 'warn', says: "part of an ECS service's previous network is gone" },
  'setup.service.untaggable': {
    level: 'warn',
    says: 'an ECS service with an old-format ARN cannot take tags',
  },
  'teardown.kept.*': { level: 'info', says: 'a resource was kept' },
  'teardown.removed.*': { level: 'success', says: 'a resource was removed' },
  'removal.unproven': { level: 'warn', says: 'a resource kept because its tags do not prove it is ours' },
  // forget
  'forget.who': { level: 'info', says: 'the account, region and identity this run works in' },
  'forget.plan': { level: 'info', says: 'the resources handed over: each stays exactly as it is' },
  'forget.plan.untag': { level: 'info', says: "what fixed-ip's own tags come off" },
  'forget.plan.keep-tags': { level: 'info', says: '--keep-tags: every tag stays, nothing in AWS changes' },
  'forget.plan.item': { level: 'info', says: 'one resource of a list' },
  'forget.duplicate': {
    level: 'warn',
    says: 'a resource an interrupted run left, which the stack does not hold: it is not handed over',
  },
  'forget.untagged': { level: 'success', says: "fixed-ip's tags came off a resource" },
  // cost
  'export.drift': {
    level: 'warn',
    says: 'drift an export was forced past (--force): the files hold what is live',
  },
  'cost.actual': { level: 'info', says: 'Cost Explorer is asked what was billed, at 0.01 USD a request' },
  // detach, verify, unlock, state
  'detach.who': { level: 'info', says: 'the account, region and identity this run works in' },
  'detach.plan': { level: 'info', says: 'the functions detach moves back' },
  'detach.done': { level: 'success', says: 'a function was moved back' },
  'verify.leftover': { level: 'warn', says: 'a probe left by an earlier verify' },
  'verify.leftover.removed': { level: 'info', says: 'a probe left by an earlier verify was removed' },
  'verify.role.kept': { level: 'warn', says: "verify's probe role was kept" },
  'verify.services': { level: 'info', says: "why the probes' answer holds for the stack's ECS services" },
  'unlock.dead': { level: 'info', says: 'the holder is a process of this host that has died' },
  'unlock.live': { level: 'warn', says: 'the holder looks alive' },
  'unlock.done': { level: 'success', says: 'a lease was removed' },
  'unlock.none': { level: 'info', says: 'nothing holds the stack' },
  'state.moved': { level: 'success', says: 'the state was moved' },
  'state.s3.*': {
    level: 'warn',
    says: 'what is unsafe about the state bucket (versioning, public, encryption)',
  },
  // ci github
  'ci.written': { level: 'info', says: 'the path of the workflow file written' },
  'ci.localState': {
    level: 'warn',
    says: 'a local state CI cannot read: the check finds the stack by its tags',
  },
  'ci.next': { level: 'info', says: 'what to do after writing the workflow: the role, commit, a first run' },
  // the lease (state lock, run guard)
  'lease.takeover': { level: 'warn', says: 'a lease left by a run that is gone was taken over' },
  'lease.lost': { level: 'warn', says: 'this run lost its lease to another run' },
  'lease.release': { level: 'warn', says: 'the lease could not be released' },
  'lease.heartbeat': { level: 'debug', says: 'a heartbeat failed (the next one tries again)' },
  'guard.denied': { level: 'warn', says: 'no permission for the run guard: teardown goes on without it' },
} as const satisfies Record<string, Spec>;

/** What a message carries besides its text, by code (only the codes listed carry anything). */
export interface Payloads {
  'setup.plan': Array<{ key: string; action: string; [field: string]: unknown }>;
  /** A recorded resource kept because its live tags do not prove fixed-ip made it for this stack. */
  'removal.unproven': {
    title: string;
    id: string;
    zone: string | undefined;
    /** What its tags lack ("its tags name stack b"). */
    why: string;
    /** It carries this stack's name tag: it may well be the stack's, with a tag removed by hand. */
    looksOurs: boolean;
    /** What it costs while it exists (0: nothing). */
    hourlyUsd: number;
  };
  'teardown.plan.stranded': string[];
  'teardown.plan.delete': string[];
  'teardown.plan.keep': string[];
  /** Every resource handed over (its identity key), and what fixed-ip's tags come off. */
  'forget.plan': string[];
  'forget.plan.untag': string[];
}

type Catalogue = typeof MESSAGES;
type PayloadOf<C extends keyof Catalogue> = C extends keyof Payloads
  ? { data: Payloads[C] }
  : { data?: undefined };

/** One message: its code from the catalogue, the level the catalogue gives it, its text and payload. */
export type CatalogueMessage = {
  [C in keyof Catalogue]: {
    code: C extends `${infer Family}.*` ? `${Family}.${string}` : C;
    level: Catalogue[C]['level'];
    text: string;
  } & PayloadOf<C>;
}[keyof Catalogue];

export type MessageCode = CatalogueMessage['code'];

/** The catalogue's entry for a code (a family's for `setup.step.vpc`); undefined when there is none. */
export function specOf(code: string): Spec | undefined {
  const catalogue: Record<string, Spec> = MESSAGES;
  if (catalogue[code]) return catalogue[code];
  const family = Object.keys(catalogue).find(
    (key) => key.endsWith('.*') && code.startsWith(key.slice(0, -1)) && code.length > key.length - 1,
  );
  return family === undefined ? undefined : catalogue[family];
}

/** The waits the UI shows as a spinner, by code (`progress(code, text)`). */
export const PROGRESS = {
  'setup.nat.wait': "the stack's new NAT gateways becoming available (one line for all of them)",
  'setup.nat.instance': 'a NAT instance starting',
  'setup.nat.handover': "the stack's Elastic IP moving from a NAT gateway to the NAT instance",
  'setup.nat.boot': "a new NAT instance's boot (it reports on a tag of its own)",
  'setup.nat.move': "the stack's interface moving to the new NAT instance (the egress gap)",
  'nat.instance.terminate': 'a NAT instance terminating',
  'function.wait': "a function's update taking effect",
  'service.wait': "an ECS service's deployment rolling its tasks onto the new network",
  'teardown.nat': 'a NAT gateway deleting',
  'teardown.wait': "a resource waiting for Lambda's network interfaces to go",
  'verify.probe': 'the probe function running in the VPC',
  'cost.metrics': "the NATs' traffic read from CloudWatch",
} as const;
export type ProgressCode = keyof typeof PROGRESS;

/** The questions the core asks, by code. */
export const QUESTIONS = {
  'setup.confirm': 'consent to what setup creates and what it costs',
  'setup.confirm.allowlist': 'consent to a change of the IPs partners allowlist',
  'setup.functions': 'which functions to attach',
  'setup.vpc': 'which VPC',
  'setup.az': 'which zones',
  'setup.eip': 'which Elastic IP',
  'setup.fix-role': "whether to give a function's role VPC access",
  'setup.public-cidr': "the public subnets' blocks",
  'setup.private-cidr': "the private subnets' blocks",
  'teardown.confirm': 'consent to what teardown deletes',
  'detach.confirm': 'consent to moving functions back',
  'unlock.confirm': 'consent to removing a lease',
  'forget.confirm': 'consent to handing the stack over',
} as const;
export type QuestionCode = keyof typeof QUESTIONS;
