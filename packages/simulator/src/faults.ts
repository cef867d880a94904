/** The faults armed on a simulator, and which call each one hits. */
import type { NatFailureCode } from './context.js';
import type { Fault, SimService } from './contract.js';
import { actionMatches } from './iam.js';

interface Armed {
  fault: Fault;
  remaining: number;
  /** Matching calls seen so far, for `nth`. */
  seen: number;
}

/** A fault's operation may be 'CreateNatGateway' or 'ec2:CreateNatGateway'. */
function operationMatches(wanted: string, service: SimService, operation: string): boolean {
  return wanted === operation || wanted === `${service}:${operation}`;
}

export class FaultBook {
  private armed: Armed[] = [];

  add(fault: Fault): void {
    this.armed.push({ fault, remaining: 'times' in fault ? (fault.times ?? 1) : 1, seen: 0 });
  }

  clear(): void {
    this.armed = [];
  }

  /** The reject or lostResponse fault this call triggers, used up by it; each matching call counts toward `nth`. */
  take<K extends 'reject' | 'lostResponse'>(
    kind: K,
    service: SimService,
    operation: string,
  ): Extract<Fault, { kind: K }> | undefined {
    let fired: Extract<Fault, { kind: K }> | undefined;
    for (const entry of this.armed) {
      const fault = entry.fault;
      if (
        fault.kind !== kind ||
        !operationMatches((fault as { operation: string }).operation, service, operation)
      )
        continue;
      if (entry.remaining <= 0) continue;
      entry.seen += 1;
      const nth = (fault as { nth?: number }).nth ?? 1;
      if (fired === undefined && entry.seen >= nth) {
        entry.remaining -= 1;
        fired = fault as Extract<Fault, { kind: K }>;
      }
    }
    this.armed = this.armed.filter((entry) => entry.remaining > 0);
    return fired;
  }

  /** Takes one armed `functionCrashes` fault: the error the next invocation ends with. */
  takeCrash(): { errorType: string; errorMessage: string } | undefined {
    const entry = this.armed.find((e) => e.fault.kind === 'functionCrashes' && e.remaining > 0);
    if (!entry || entry.fault.kind !== 'functionCrashes') return undefined;
    entry.remaining -= 1;
    this.armed = this.armed.filter((e) => e.remaining > 0);
    return { errorType: entry.fault.errorType, errorMessage: entry.fault.errorMessage };
  }

  takeNatFailure(): NatFailureCode | undefined {
    const entry = this.armed.find((e) => e.fault.kind === 'natFails' && e.remaining > 0);
    if (!entry || entry.fault.kind !== 'natFails') return undefined;
    entry.remaining -= 1;
    this.armed = this.armed.filter((e) => e.remaining > 0);
    return entry.fault.failureCode;
  }

  /** Takes one armed `natBootFails` fault: the reason the next NAT instance's boot fails with. */
  takeNatBootFailure(): string | undefined {
    const entry = this.armed.find((e) => e.fault.kind === 'natBootFails' && e.remaining > 0);
    if (!entry || entry.fault.kind !== 'natBootFails') return undefined;
    entry.remaining -= 1;
    this.armed = this.armed.filter((e) => e.remaining > 0);
    return entry.fault.reason;
  }

  /** `deny` faults last until cleared. */
  isDenied(action: string): boolean {
    return this.armed.some((e) => e.fault.kind === 'deny' && actionMatches(e.fault.action, action));
  }
}
