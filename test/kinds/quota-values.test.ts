import { describe, expect, it } from 'vitest';
import type { AwsPort } from '../../src/aws/port.js';
import { NAT_ADDRESSES, quotaValue, quotaWords, raiseQuota } from '../../src/kinds/quota-values.js';

/** A port whose GetServiceQuota answers `answer` (or throws it), counting the calls and their input. */
function portAnswering(answer: () => unknown): { aws: AwsPort; inputs: unknown[] } {
  const inputs: unknown[] = [];
  const aws = {
    servicequotas: {
      GetServiceQuota: (input: unknown) => {
        inputs.push(input);
        return Promise.resolve().then(answer);
      },
    },
  } as unknown as AwsPort;
  return { aws, inputs };
}
const failing = (name: string) => () => {
  throw Object.assign(new Error(name), { name });
};

describe('quotaValue', () => {
  it("reads the account's applied value with the quota's codes", async () => {
    const { aws, inputs } = portAnswering(() => ({ Quota: { Value: 4 } }));
    expect(await quotaValue(aws, NAT_ADDRESSES)).toEqual({ value: 4 });
    expect(inputs).toEqual([{ ServiceCode: 'vpc', QuotaCode: 'L-5F53652F' }]);
  });

  it.each([
    ['AccessDeniedException', 'servicequotas:GetServiceQuota is not allowed'],
    ['NoSuchResourceException', 'Service Quotas has no value for it here'],
    ['ServiceException', 'Service Quotas answered ServiceException'],
  ])("%s: AWS's default stands, and why", async (name, why) => {
    const { aws } = portAnswering(failing(name));
    const value = await quotaValue(aws, NAT_ADDRESSES);
    expect(value).toEqual({ value: 2, assumed: why });
    expect(quotaWords(NAT_ADDRESSES, value)).toBe(
      `"Elastic IP addresses per public NAT gateway" is 2 (AWS's default; ${why})`,
    );
  });

  it('an answer without a value is not taken for one', async () => {
    const { aws } = portAnswering(() => ({ Quota: {} }));
    expect(await quotaValue(aws, NAT_ADDRESSES)).toEqual({
      value: 2,
      assumed: 'Service Quotas gave no value',
    });
  });

  it('says how to ask for more', () => {
    expect(raiseQuota(NAT_ADDRESSES, 3)).toBe(
      'aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-5F53652F --desired-value 3',
    );
  });
});
