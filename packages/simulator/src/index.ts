/**
 * The simulator's public API: one stateful model of EC2, Lambda, STS, IAM, SSM, Auto Scaling,
 * CloudWatch, Cost Explorer, Budgets, ECS and Service Quotas for tests and `--simulate`.
 */
export type { Clock, Fault, SimCall, SimService, SimTimings } from './contract.js';
export type { NatFailureCode } from './context.js';
export { Ec2ErrorCode } from './errors.js';
export type { Egress } from './egress.js';
export { NAT_BOOT_TAG } from './nat-boot.js';
export { ADDRESS_LIMIT } from './ec2/addresses.js';
export { VPC_LIMIT } from './ec2/vpcs.js';
export { BASIC_EXECUTION_POLICY_ARN, LAMBDA_VPC_ACTIONS, VPC_ACCESS_POLICY_ARN } from './iam.js';
export { SIMULATED_OPERATIONS } from './operations.js';
export { InvalidAccountError, SIMULATOR_FORMAT, SIMULATOR_FORMAT_VERSION } from './persistence.js';
export { seedDemoAccount } from './seed.js';
export type { SeedAddress, SeedAddressPool, SeedFunction, SeedSubnet, SeedVpc } from './seeding.js';
export { AwsSimulator, type AwsSimulatorOptions } from './simulator.js';
export { DEFAULT_TIMINGS } from './timings.js';
export { attachSimulator, type MiddlewareClient, SIMULATOR_MIDDLEWARE_NAME } from './transport.js';
export type { Traffic } from './traffic.js';
export { VirtualClock, type VirtualClockOptions } from './virtual-clock.js';
export { attachSimulatorWire, serializeError, serializeOutput, WireShapeError } from './wire.js';
