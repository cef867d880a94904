import { describe, expect, it } from 'vitest';
import { formatCost, monthlyCost } from '../../src/model/pricing.js';

describe('monthlyCost', () => {
  it('prices a NAT gateway and its public IPv4 address in Tokyo at 48.91 USD a month', () => {
    const cost = monthlyCost('ap-northeast-1');
    expect(cost).toMatchObject({
      natHourly: 0.062,
      ipv4Hourly: 0.005,
      perGb: 0.062,
      monthlyUsd: 48.91,
      approximate: false,
    });
  });

  it('prices a kept, idle Elastic IP at 3.65 USD a month', () => {
    expect(monthlyCost('eu-west-1').idleEipMonthlyUsd).toBe(3.65);
  });

  it('rounds every known region to cents', () => {
    expect(monthlyCost('us-east-1').monthlyUsd).toBe(36.5);
    expect(monthlyCost('us-west-2').monthlyUsd).toBe(36.5);
    expect(monthlyCost('eu-west-1').monthlyUsd).toBe(38.69);
    expect(monthlyCost('eu-central-1').monthlyUsd).toBe(41.61);
    expect(monthlyCost('ap-southeast-1').monthlyUsd).toBe(46.72);
  });

  it('falls back to us-east-1 prices for an unknown region and says so', () => {
    const cost = monthlyCost('mx-central-9');
    expect(cost.approximate).toBe(true);
    expect(cost.natHourly).toBe(0.045);
    expect(cost.monthlyUsd).toBe(36.5);
  });
});

describe('formatCost', () => {
  it('reads as one line naming the region and the hourly parts', () => {
    expect(formatCost(monthlyCost('ap-northeast-1'))).toBe(
      'about 48.91 USD a month in ap-northeast-1 (NAT gateway 0.062/h + public IPv4 0.005/h), ' +
        'plus 0.062 USD per GB processed',
    );
  });

  it('flags an approximate estimate', () => {
    expect(formatCost(monthlyCost('mx-central-9'))).toBe(
      'about 36.50 USD a month in mx-central-9 (NAT gateway 0.045/h + public IPv4 0.005/h), ' +
        'plus 0.045 USD per GB processed (approximate: prices for us-east-1)',
    );
  });
});
