/** The account `--simulate` starts from: a default VPC, a bare 'staging' VPC and three functions. */
import type { AwsSimulator } from './simulator.js';

export function seedDemoAccount(sim: AwsSimulator): void {
  sim.addVpc({ cidr: '172.31.0.0/16', isDefault: true, withInternetGateway: true, withDefaultSubnets: true });
  sim.addVpc({ cidr: '10.20.0.0/16', name: 'staging' });
  sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
  sim.addFunction({ name: 'billing-webhook', runtime: 'python3.12', roleHasVpcAccess: true });
  // The common real-world snag: a role with only basic execution rights.
  sim.addFunction({ name: 'report-builder', runtime: 'nodejs22.x', roleHasVpcAccess: false });
}
