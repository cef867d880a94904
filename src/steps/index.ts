import { elasticIp } from './elastic-ip.js';
import { functions } from './functions.js';
import { internetGateway } from './internet-gateway.js';
import { natGateway } from './nat-gateway.js';
import { privateRouteTable, publicRouteTable } from './route-tables.js';
import type { PlanLine, Step } from './step.js';
import type { StackContext, Targets } from '../core/context.js';
import { securityGroup } from './security-group.js';
import { privateSubnet, publicSubnet } from './subnets.js';
import { vpc } from './vpc.js';

/**
 * The article's recipe, in its order. setup runs each step once what it depends on is done
 * (`after`), so independent ones overlap; teardown runs them backward by `removeAfter`.
 */
export const STEPS: readonly Step[] = [
  vpc, // 0. (only with --new-vpc) the VPC the article assumes
  internetGateway, // 1. internet gateway, attached to the VPC
  publicSubnet, // 2. public subnet
  publicRouteTable, // 3. public route: 0.0.0.0/0 -> internet gateway
  privateSubnet, // 4. private subnet ...
  securityGroup, //    ... and the functions' security group
  elasticIp, // 5. Elastic IP ...
  natGateway, //    ... and the NAT gateway in the public subnet
  privateRouteTable, // 6. private route: 0.0.0.0/0 -> NAT gateway
  functions, // then, and only then, move the functions into the private subnet
];

export type { Step, StepKey } from './step.js';

/** A step and what setup would do for it now. */
export interface PlannedStep {
  step: Step;
  line: PlanLine;
}

/** What each step would do; the VPC step only when fixed-ip makes (or made) the VPC. */
export function planSteps(ctx: StackContext, targets: Targets): PlannedStep[] {
  return STEPS.filter(
    (step) => step.key !== 'vpc' || targets.newVpcCidr !== undefined || ctx.state.vpc?.owned,
  ).map((step) => ({ step, line: step.plan(ctx, targets) }));
}
