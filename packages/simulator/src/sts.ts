/** STS: who the caller is (fixed-ip reads the account id from it). */
import type { SimContext } from './context.js';
import { callerArn } from './errors.js';

export const stsOperations = {
  GetCallerIdentity(ctx: SimContext): object {
    return {
      Account: ctx.state.accountId,
      Arn: callerArn(ctx.state.accountId),
      UserId: 'AIDASIMULATEDUSER0001',
    };
  },
};
