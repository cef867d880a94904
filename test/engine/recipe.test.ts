/**
 * One graph: setup's order and teardown's are the same recipe, walked forward and backward. No
 * step names what depends on it; these are derived from what each step references.
 */
import { describe, expect, it } from 'vitest';
import { dependentsOf, recipe } from '../../src/engine/recipe.js';

describe('the recipe walked backward', () => {
  it('removes the VPC after everything in it, and nothing waits for an Elastic IP but what uses it', () => {
    for (const inVpc of [
      'internetGateway',
      'publicSubnet',
      'publicRouteTable',
      'privateSubnet',
      'securityGroup',
      'natGateway',
      'regionalNatGateway',
      'natSecurityGroup',
      'natInterface',
      'natInstance',
      'natLaunchTemplate',
      'natGroup',
      'privateRouteTable',
      'functions',
      'services',
    ] as const)
      expect(dependentsOf('vpc').has(inVpc), inVpc).toBe(true);
    expect(dependentsOf('vpc').has('elasticIp')).toBe(false);
    expect([...dependentsOf('elasticIp')].sort()).toEqual(
      [
        'functions',
        'natGateway',
        'natInstance',
        'natInterface',
        'natLaunchTemplate',
        'natGroup',
        'regionalNatGateway',
        'services',
      ].sort(),
    );
  });

  it("keeps a NAT instance's role until every instance that could use it is gone (--ha's group, its template)", () => {
    expect([...dependentsOf('natRole')].sort()).toEqual(
      ['functions', 'natGroup', 'natInstance', 'natLaunchTemplate', 'services'].sort(),
    );
    // The group goes before the template it launches from, and before the interface its instance holds.
    expect(dependentsOf('natLaunchTemplate').has('natGroup')).toBe(true);
    expect(dependentsOf('natInterface').has('natGroup')).toBe(true);
  });

  it('keeps each resource until what references it is gone', () => {
    expect([...dependentsOf('publicSubnet')]).toEqual(
      expect.arrayContaining([
        'publicRouteTable',
        'natGateway',
        'natInterface',
        'natInstance',
        'functions',
        'services',
      ]),
    );
    expect([...dependentsOf('internetGateway')]).toEqual(
      expect.arrayContaining(['publicRouteTable', 'natGateway', 'regionalNatGateway', 'natInterface']),
    );
    expect([...dependentsOf('privateSubnet')]).toEqual(
      expect.arrayContaining(['privateRouteTable', 'functions', 'services']),
    );
    // Every workload waits on the stack's group; nothing waits on a workload.
    expect([...dependentsOf('securityGroup')].sort()).toEqual(['functions', 'services']);
    expect(dependentsOf('functions').size).toBe(0);
    expect(dependentsOf('services').size).toBe(0);
  });

  it('deletes a NAT as soon as the workloads have left, not after the route that only points at it', () => {
    for (const nat of [
      'natGateway',
      'regionalNatGateway',
      'natInstance',
      'natInterface',
      'natGroup',
    ] as const) {
      expect(dependentsOf(nat).has('functions'), nat).toBe(true);
      expect(dependentsOf(nat).has('services'), nat).toBe(true);
      expect(dependentsOf(nat).has('privateRouteTable'), nat).toBe(false);
    }
  });

  it('creates a NAT gateway only once its subnet routes to the internet (the article: steps 1-3, then 5)', () => {
    const nodes = recipe({ nat: 'gateway', zones: ['z1'] }, { newVpc: false });
    const nat = nodes.find((node) => node.step.name === 'natGateway');
    expect(nat?.after).toEqual(
      expect.arrayContaining(['publicRouteTable@z1', 'publicSubnet@z1', 'internetGateway']),
    );
    const instance = recipe({ nat: 'instance', zones: ['z1'] }, { newVpc: false });
    expect(instance.find((node) => node.step.name === 'natInterface')?.after).toContain(
      'publicRouteTable@z1',
    );
  });
});
