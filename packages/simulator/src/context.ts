/** What every operation gets: the account, the time of the call, the timings and the armed faults. */
import type { SimService, SimTimings } from './contract.js';
import type { AccountState } from './model.js';
import type { AuthRequest } from './policy.js';

export type NatFailureCode = 'InsufficientFreeAddressesInSubnet' | 'InternalError';

export interface SimContext {
  readonly state: AccountState;
  /** The clock's time when the call is applied: one instant for the whole call. */
  readonly now: number;
  readonly timings: SimTimings;
  /** Takes one armed `natFails` fault, if any. */
  takeNatFailure(): NatFailureCode | undefined;
  /** Takes one armed `functionCrashes` fault, if any. */
  takeCrash(): { errorType: string; errorMessage: string } | undefined;
  /** Takes one armed `natBootFails` fault, if any: the reason the boot fails with. */
  takeNatBootFailure(): string | undefined;
  /** Whether a `deny` fault covers this IAM action (e.g. 'ec2:CreateNatGateway'). */
  isDenied(action: string): boolean;
  /** Whether the caller may do this (no `deny` fault on it, and the caller's policy, if set, allows it). */
  allows(request: AuthRequest): boolean;
  /** IAM's policy simulator on the caller, for an action on any resource with no context. */
  simulateCaller(action: string): {
    decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
    missing: string[];
  };
}

/**
 * One operation: validates everything first and changes the account only when nothing can fail,
 * so a rejected call never leaves half an effect behind. Input is whatever the caller sent.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- inputs arrive untyped from the SDK
export type Operation = (ctx: SimContext, input: any) => object;
export type OperationTable = Readonly<Record<string, Operation>>;
export type ServiceOperations = Readonly<Record<SimService, OperationTable>>;
