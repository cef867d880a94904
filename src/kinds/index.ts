import * as z from 'zod/mini';
import { FixedIpError } from '../errors.js';
import type { Shape, StackState } from '../state/schema.js';
import type { ResourceRecord } from '../state/identity.js';
import { elasticIp } from './elastic-ip.js';
import { functions } from './functions.js';
import { ecsServices } from './ecs-services.js';
import { internetGateway } from './internet-gateway.js';
import type { Kind, KindInput, KindName, Workload } from '../model/kind.js';
import { natGateway, regionalNatGateway } from './nat-gateway.js';
import { natInstance } from './nat-instance.js';
import { natInterface } from './nat-interface.js';
import { natRole } from './nat-role.js';
import { natLaunchTemplate } from './nat-launch-template.js';
import { natGroup } from './nat-group.js';
import { natSecurityGroup } from './nat-security-group.js';
import { register } from './registry.js';
import { privateRouteTable, publicRouteTable } from './route-tables.js';
import { securityGroup } from './security-group.js';
import { privateSubnet, publicSubnet } from './subnets.js';
import { vpc } from './vpc.js';
import { dynamodbEndpoint, s3Endpoint } from './gateway-endpoint.js';
import { budget } from './budget.js';
import { BASE_PARTS, type WorldPart } from '../model/world.js';

/** Every resource kind, in the article's order. Adding a kind: its module, and a line here. */
export const KINDS: readonly Kind[] = [
  vpc, // 0. (only with --new-vpc) the VPC the article assumes
  internetGateway, // 1. internet gateway, attached to the VPC
  publicSubnet, // 2. public subnet
  publicRouteTable, // 3. public route: 0.0.0.0/0 -> internet gateway
  privateSubnet, // 4. private subnet ...
  securityGroup, //    ... and the functions' security group
  elasticIp, // 5. Elastic IP ...
  natGateway, //    ... and the NAT gateway in the public subnet
  regionalNatGateway, //    (or one regional NAT gateway for every zone)
  natSecurityGroup, //    (or a NAT instance: its security group,
  natInterface, //     its network interface holding the Elastic IP,
  natRole, //     the instance's IAM role,
  natInstance, //     and the instance the interface is attached to;
  natLaunchTemplate, //     or, with --ha, a launch template
  natGroup, //     and an Auto Scaling group of one whose instance takes the interface)
  privateRouteTable, // 6. private route: 0.0.0.0/0 -> the NAT
  s3Endpoint, //    (--endpoints: free gateway endpoints on the private route tables)
  dynamodbEndpoint,
  budget, //    (--budget: an AWS Budget on the stack's NAT charges, with alerts)
];
register(KINDS);

/**
 * Every part of the world some kind lists or reads, for finding a stack by its tags (its shape is
 * not known yet): derived from the kinds, so a kind with a part of its own needs no other edit.
 */
export const ALL_PARTS: readonly WorldPart[] = [
  ...new Map(
    [...BASE_PARTS, ...KINDS.flatMap((kind) => [kind.part, ...(kind.needs ?? [])])]
      .filter((part) => part.byName !== true)
      .map((part) => [part.name, part]),
  ).values(),
];

/**
 * Each record of a state just read, checked against its kind's own schema: the state layer checks
 * only what every record holds, and the kinds check the rest. A record of no known kind, or one
 * its kind rejects, makes the file invalid (never silently ignored).
 */
export function checkRecords(state: StackState, where: string): StackState {
  for (const [key, record] of Object.entries(state.resources)) {
    const kind = KINDS.find((k) => k.name === record.kind);
    const problem = kind
      ? z.safeParse(kind.record, record).error?.issues[0]
      : { path: ['kind'], message: `unknown kind "${record.kind}"` };
    if (problem) throw invalid(where, ['resources', key, ...problem.path], problem.message);
  }
  // The kinds' settings in the shape: each checked by the kind that declares it.
  for (const [key, value] of Object.entries(state.shape.inputs ?? {})) {
    const input = KIND_INPUTS.find((i) => i.key === key);
    const problem = input
      ? z.safeParse(input.schema, value).error?.issues[0]
      : { path: [], message: `unknown setting "${key}"` };
    if (problem) throw invalid(where, ['shape', 'inputs', key, ...problem.path], problem.message);
  }
  return state;
}

function invalid(where: string, path: readonly PropertyKey[], message: string): FixedIpError {
  return new FixedIpError(
    'STATE_INVALID',
    `state file ${where} is not a fixed-ip state file: "${path.map(String).join('.')}": ${message}`,
    {
      hint: 'fix or move it away (the stack can be found again by its tags with --name); it was left as it is',
    },
  );
}

/** The kinds' own settings (their flags on setup and plan). */
export const KIND_INPUTS: readonly KindInput[] = [
  ...new Map(KINDS.flatMap((kind) => kind.inputs ?? []).map((input) => [input.key, input])).values(),
];

/**
 * The shape with the kinds' settings: a flag given (`given`, by key, as typed) wins, else what the
 * stack has (`kept`). Each flag's text is parsed by its kind.
 */
export function withInputs(shape: Shape, kept: Shape, given: Readonly<Record<string, string>>): Shape {
  const inputs: Record<string, unknown> = { ...(kept.inputs ?? {}) };
  for (const input of KIND_INPUTS) {
    const text = given[input.key];
    if (text !== undefined) inputs[input.key] = input.parse(text);
  }
  const rest: Shape = { ...shape };
  delete rest.inputs;
  return Object.keys(inputs).length > 0 ? { ...rest, inputs } : rest;
}

/**
 * The shape without the kinds' settings that do not apply to it: one given for this run is a
 * BAD_OPTION naming what it needs; one kept from before goes with the shape it belonged to.
 */
export function applicableInputs(
  shape: Shape,
  given: Readonly<Record<string, string>>,
  stack: string,
): Shape {
  const inputs: Record<string, unknown> = { ...(shape.inputs ?? {}) };
  for (const input of KIND_INPUTS) {
    const needs = inputs[input.key] === undefined ? undefined : input.needsOf?.(shape);
    if (needs === undefined) continue;
    if (given[input.key] !== undefined)
      throw new FixedIpError(
        'BAD_OPTION',
        `${input.flag.split(' ')[0] ?? input.flag} applies to ${needs}, and stack ${stack} uses ${shape.nat}`,
        { hint: `change the stack to ${needs}, or drop ${input.flag.split(' ')[0] ?? input.flag}` },
      );
    delete inputs[input.key];
  }
  if (Object.keys(inputs).length === Object.keys(shape.inputs ?? {}).length) return shape;
  const rest: Shape = { ...shape };
  delete rest.inputs;
  return Object.keys(inputs).length > 0 ? { ...rest, inputs } : rest;
}

/** The shape with every kind's widest setting (the recipe's graph is drawn with it). */
export function widest(shape: Shape): Shape {
  return { ...shape, inputs: Object.fromEntries(KIND_INPUTS.map((input) => [input.key, input.widest])) };
}

/** The kinds' settings of a stack found by its tags, from the records found there. */
export function inputsFromRecords(records: readonly ResourceRecord[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const input of KIND_INPUTS) {
    const value = input.fromRecords?.(records);
    if (value !== undefined) inputs[input.key] = value;
  }
  return inputs;
}

/** Every workload a stack can carry, moved in last and restored first. Adding one: its module, and a line here. */
export const WORKLOADS: readonly Workload[] = [functions, ecsServices];

export function kindOf(name: KindName): Kind {
  const kind = KINDS.find((k) => k.name === name);
  if (!kind) throw new TypeError(`unknown kind ${name}`);
  return kind;
}
