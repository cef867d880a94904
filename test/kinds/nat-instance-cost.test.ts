import { describe, expect, it } from 'vitest';
import { formatStackCost, stackCost } from '../../src/engine/cost.js';
import { emptyState, type Shape } from '../../src/state/schema.js';

function cost(region: string, shape: Shape) {
  const state = emptyState('demo', region, '123456789012');
  state.shape = shape;
  return stackCost(region, state);
}

describe('NAT instance cost', () => {
  it('prices the instance, its root volume and the public IPv4 address, with no per-GB charge, next to a NAT gateway', () => {
    const tokyo = cost('ap-northeast-1', { nat: 'instance', zones: ['ap-northeast-1a'] });
    // (0.0054 t4g.nano + 0.005 the Elastic IP + 0.005 the primary's IPv4) x 730 + 8 GiB x 0.096 gp3
    expect(tokyo.monthlyUsd).toBe(12.01);
    // --ha: the group, its template and automatic recovery are free; it runs one instance.
    expect(
      cost('ap-northeast-1', { nat: 'instance', zones: ['ap-northeast-1a'], inputs: { ha: true } })
        .monthlyUsd,
    ).toBe(12.01);
    expect(tokyo.perGb).toBe(0);
    const line = formatStackCost(tokyo);
    expect(line).toContain('no per-GB processing charge');
    expect(line).toContain('a NAT gateway here costs about 48.91 USD a month');
    expect(line).toMatch(/low baseline bandwidth.*one instance.*patch/);
    expect(cost('ap-northeast-1', { nat: 'gateway', zones: ['ap-northeast-1a'] }).monthlyUsd).toBe(48.91);
    expect(
      cost('us-east-1', { nat: 'instance', zones: ['us-east-1a'], natInstanceType: 't3.nano' }).monthlyUsd,
    ).toBe(11.74);
    expect(cost('sa-east-1', { nat: 'instance', zones: ['sa-east-1a'] }).approximate).toBe(true);
  });
});
