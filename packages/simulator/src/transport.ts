/**
 * `--simulate`'s transport: a middleware on a real SDK client that answers from the simulator
 * instead of sending HTTP. It sits in the finalizeRequest step after the retry and signing
 * middleware, so the SDK's own retry policy still handles simulated throttling, 5xx and resets.
 */
import type { SimService } from './contract.js';
import { newRequestId } from './ids.js';
import type { AwsSimulator } from './simulator.js';

interface HandlerArguments {
  input: object;
}

interface HandlerContext {
  commandName?: string;
}

type SimulatorHandler = (args: HandlerArguments) => Promise<{ output: object; response: unknown }>;

/**
 * Any SDK v3 client (EC2Client, LambdaClient…). `add` is overloaded per step in the SDK's types;
 * `never` parameters accept every one of those overloads without naming @smithy/types.
 */
export interface MiddlewareClient {
  middlewareStack: { add: (...args: never[]) => void };
}

export const SIMULATOR_MIDDLEWARE_NAME = 'fixedIpSimulator';

export function attachSimulator(client: MiddlewareClient, service: SimService, sim: AwsSimulator): void {
  const middleware = (_next: unknown, context: HandlerContext): SimulatorHandler => {
    return async (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const result: unknown = await sim.handle(service, operation, args.input);
      return {
        output: {
          ...(result as object),
          $metadata: { httpStatusCode: 200, requestId: newRequestId(), attempts: 1, totalRetryDelay: 0 },
        },
        response: {},
      };
    };
  };
  const options = {
    step: 'finalizeRequest',
    priority: 'low',
    name: SIMULATOR_MIDDLEWARE_NAME,
    override: true,
  };
  // The SDK types `add` as one overload per step; this is the finalizeRequest one.
  Reflect.apply(client.middlewareStack.add, client.middlewareStack, [middleware, options]);
}
