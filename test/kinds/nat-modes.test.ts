import { describe, expect, it } from 'vitest';
import { recipe } from '../../src/engine/recipe.js';
import { widest } from '../../src/kinds/index.js';
import { NAT_MODE, RECOGNITION_ORDER } from '../../src/kinds/nat-modes.js';
import { isWorkload } from '../../src/model/kind.js';
import type { ResourceRecord } from '../../src/state/identity.js';
import { NAT_MODES } from '../../src/state/schema.js';

/** The records a stack of this shape has once built: one per node of its recipe. */
function built(nat: (typeof NAT_MODES)[number], zones: string[]): ResourceRecord[] {
  return recipe(widest({ nat, zones, ...(nat === 'instance' ? { natInstanceType: 't4g.nano' } : {}) }), {
    newVpc: false,
  })
    .filter((node) => !isWorkload(node.step))
    .map(
      (node) =>
        ({
          kind: node.step.name,
          id: `${node.step.name}-${node.zone ?? 'x'}`,
          owned: true,
          ...(node.zone ? { zone: node.zone } : {}),
          ...(node.step.name === 'natInstance' || node.step.name === 'natLaunchTemplate'
            ? { instanceType: 't4g.nano' }
            : {}),
        }) as ResourceRecord,
    );
}

const recognised = (records: ResourceRecord[]) =>
  RECOGNITION_ORDER.map((name) => [name, NAT_MODE[name].fromRecords(records)] as const).find(([, r]) => r);

describe('a NAT mode owns its kinds: it recognises its own stack from the records found by their tags', () => {
  for (const nat of NAT_MODES)
    for (const zones of [['zone-b'], ['zone-b', 'zone-a']])
      it(`${nat}, ${zones.length} zone(s)`, () => {
        const found = recognised(built(nat, zones));
        // One NAT gateway over one zone is the same stack in either gateway mode: the simpler one.
        const expected = nat === 'gateway-per-az' && zones.length === 1 ? 'gateway' : nat;
        expect(found?.[0]).toBe(expected);
        // Where the NAT is: the home zone (a NAT gateway in every zone: all of them).
        if (nat === 'gateway-per-az') expect(found?.[1]?.natZones).toEqual([...zones].sort());
        else if (nat !== 'regional') expect(found?.[1]?.natZones).toEqual(['zone-b']);
        if (nat === 'instance') expect(found?.[1]?.natInstanceType).toBe('t4g.nano');
      });

  it('a stack with nothing of a NAT left is a one-gateway stack', () => {
    expect(recognised([])?.[0]).toBe('gateway');
  });
});
