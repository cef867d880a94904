/**
 * The state schema (zod/mini) says what is wrong with a state file in words, with the field's path:
 * zod/mini has no messages of its own until English is configured.
 */
import { describe, expect, it } from 'vitest';
import { checkRecords } from '../../src/kinds/index.js';
import { decodeState } from '../../src/state/codec.js';
import { emptyState } from '../../src/state/schema.js';
import type { FixedIpError } from '../../src/errors.js';

function problem(state: unknown): string {
  try {
    decodeState(JSON.stringify(state), 'web.json');
  } catch (error) {
    expect((error as FixedIpError).code).toBe('STATE_INVALID');
    return (error as FixedIpError).line;
  }
  throw new TypeError('the state was accepted');
}

describe('an invalid state file is named and explained', () => {
  const valid = emptyState('web', 'ap-northeast-1', '123456789012');

  it('accepts a valid one', () => {
    expect(decodeState(JSON.stringify(valid), 'web.json')).toMatchObject({ name: 'web' });
  });

  it('names the field and what was expected', () => {
    expect(problem({ ...valid, shape: { nat: 'bogus', zones: [] } })).toContain(
      '"shape.nat": Invalid option: expected one of "gateway"|"gateway-per-az"|"regional"|"instance"',
    );
    expect(
      problem({
        ...valid,
        resources: { vpc: { kind: 'vpc', id: '', owned: true, cidrs: [] } },
      }),
    ).toContain('"resources.vpc.id": Too small: expected string to have >=1 characters');
    expect(problem({ ...valid, resources: { vpc: { kind: 'moon', id: 'x', owned: true } } })).toContain(
      'resource "vpc" is recorded as moon',
    );
  });

  it("leaves each record's own fields to its kind, which names them", () => {
    const kindProblem = (resources: unknown): string => {
      const state = decodeState(JSON.stringify({ ...valid, resources }), 'web.json');
      try {
        checkRecords(state, 'web.json');
      } catch (error) {
        expect((error as FixedIpError).code).toBe('STATE_INVALID');
        return (error as FixedIpError).line;
      }
      throw new TypeError('the records were accepted');
    };
    expect(kindProblem({ moon: { kind: 'moon', id: 'x', owned: true } })).toContain(
      '"resources.moon.kind": unknown kind "moon"',
    );
    expect(kindProblem({ elasticIp: { kind: 'elasticIp', id: 'eipalloc-1', owned: true } })).toContain(
      '"resources.elasticIp.publicIp": Invalid input: expected string, received undefined',
    );
  });

  it('checks each record is keyed by its identity', () => {
    expect(
      problem({ ...valid, resources: { natGateway: { kind: 'vpc', id: 'vpc-1', owned: true, cidrs: [] } } }),
    ).toContain('resource "natGateway" is recorded as vpc');
  });
});
