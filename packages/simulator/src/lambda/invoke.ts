/**
 * Invoke: every simulated function behaves as an egress probe. It answers `{"publicIp": ...}`,
 * the address the internet sees, found by following AWS's routing from the function's subnet
 * (egress.ts). When its traffic goes nowhere, the invocation times out after the function's
 * Timeout, in Lambda's shape for that: status 200, FunctionError 'Unhandled', a Sandbox.Timedout
 * payload. Outside a VPC, Lambda's own network gives an address of AWS's, not an Elastic IP. In a
 * VPC, its request (about 2 KB out, 6 KB back) passes the NAT and shows on the NAT's metrics.
 */
import type { SimContext } from '../context.js';
import { egressFrom } from '../egress.js';
import { lambdaError } from '../errors.js';
import { functionUpdateInProgress } from '../lifecycle.js';
import { newRequestId } from '../ids.js';
import { PROBE_BYTES_BACK, PROBE_BYTES_OUT, recordTraffic } from '../traffic.js';
import { configurationOf, resolveQualified } from './configuration.js';

/** The address Lambda's own network shows (outside a VPC); from a documentation range, like every IP here. */
export const LAMBDA_SERVICE_IP = '192.0.2.10';

function payload(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export const invokeOperations = {
  Invoke(
    ctx: SimContext,
    input: { FunctionName?: string; Qualifier?: string; InvocationType?: string; Payload?: Uint8Array },
  ): object {
    const target = resolveQualified(ctx, input.FunctionName, input.Qualifier, 'lambda:InvokeFunction');
    const config = configurationOf(ctx, target);
    if (!target.version && functionUpdateInProgress(target.fn, ctx.now) && target.fn.update?.pending) {
      throw lambdaError(
        'ResourceConflictException',
        'The operation cannot be performed at this time. The function is currently in the following state: Pending',
      );
    }
    const type = input.InvocationType ?? 'RequestResponse';
    if (type === 'DryRun') return { StatusCode: 204 };
    if (type === 'Event') return { StatusCode: 202 };
    if (type !== 'RequestResponse')
      throw lambdaError('InvalidParameterValueException', `Unsupported InvocationType: ${type}`);
    const subnetIds = config.VpcConfig?.SubnetIds ?? [];
    const groupIds = config.VpcConfig?.SecurityGroupIds ?? [];
    const version = config.Version ?? '$LATEST';
    const crash = ctx.takeCrash();
    if (crash)
      return {
        StatusCode: 200,
        ExecutedVersion: version,
        FunctionError: 'Unhandled',
        Payload: payload(crash),
      };
    if (subnetIds.length === 0)
      return { StatusCode: 200, ExecutedVersion: version, Payload: payload({ publicIp: LAMBDA_SERVICE_IP }) };
    // Lambda spreads invocations over the function's subnets; the simulator takes the first, in order.
    const subnetId = [...subnetIds].sort()[0] ?? '';
    const egress = egressFrom(ctx, subnetId, groupIds);
    if (egress.publicIp !== null) {
      // The probe's request and answer pass the NAT: they show on its metrics.
      recordTraffic(ctx, egress, { out: PROBE_BYTES_OUT, back: PROBE_BYTES_BACK }, ctx.now);
      return { StatusCode: 200, ExecutedVersion: version, Payload: payload({ publicIp: egress.publicIp }) };
    }
    const seconds = (config.Timeout ?? 3).toFixed(2);
    return {
      StatusCode: 200,
      ExecutedVersion: version,
      FunctionError: 'Unhandled',
      Payload: payload({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${newRequestId()} Error: Task timed out after ${seconds} seconds`,
      }),
    };
  },
};
