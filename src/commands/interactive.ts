import type { Address, Vpc } from '@aws-sdk/client-ec2';
import type { AwsPort } from '../aws/port.js';
import { FixedIpError } from '../errors.js';
import { listAllFunctions } from '../kinds/function-tags.js';
import type { Ui } from '../ports/ui.js';

/**
 * The questions of an interactive setup. Each has a stable code, a default, and a flag that
 * skips it (named in the README). Loaded only when a person is there to answer.
 */

/** --function */
export async function askFunctions(ui: Ui, aws: AwsPort): Promise<string[]> {
  const [functions, services] = await Promise.all([
    listAllFunctions(aws).then((all) =>
      all.sort((a, b) => (a.FunctionName ?? '').localeCompare(b.FunctionName ?? '')),
    ),
    listServiceKeys(aws),
  ]);
  // An empty list would leave the user at a question no answer passes.
  if (functions.length === 0 && services.length === 0) {
    throw new FixedIpError(
      'FUNCTION_NOT_FOUND',
      `there are no Lambda functions or ECS services in ${aws.region}`,
      { hint: 'check --region and --profile, or pass --function <name>' },
    );
  }
  return ui.ask({
    kind: 'multiselect',
    code: 'setup.functions',
    // The keys are named once, in the prompt's own hint line.
    message:
      services.length > 0
        ? 'Which functions and ECS services need the fixed IP?'
        : 'Which functions need the fixed IP?',
    choices: [
      ...functions.map((fn) => ({
        value: fn.FunctionName ?? '',
        name: `${fn.FunctionName} (${fn.Runtime ?? 'container'}${fn.VpcConfig?.VpcId ? `, in ${fn.VpcConfig.VpcId}` : ', not in a VPC'})`,
      })),
      ...services.map((key) => ({ value: `${ECS_CHOICE}${key}`, name: `${key} (ECS service)` })),
    ],
    default: [],
    validate: (values) => (values.length > 0 ? true : 'pick at least one'),
  });
}

/** How the picker marks an ECS service among the functions it returns. */
export const ECS_CHOICE = 'ecs:';

/** `cluster/service` of every service in the region (none when ECS may not be listed). */
async function listServiceKeys(aws: AwsPort): Promise<string[]> {
  try {
    const clusters = (await aws.ecs.ListClusters({})).clusterArns ?? [];
    const keys = await Promise.all(
      clusters.map(async (arn) => {
        const cluster = arn.split('/').pop() ?? arn;
        const services = (await aws.ecs.ListServices({ cluster })).serviceArns ?? [];
        return services.map((service) => `${cluster}/${service.split('/').pop() ?? service}`);
      }),
    );
    return keys.flat().sort();
  } catch {
    // Not allowed to list ECS (or no ECS here): the functions are the choice.
    return [];
  }
}

/** --vpc / --new-vpc */
export async function askVpc(ui: Ui, aws: AwsPort, preselect: string | undefined): Promise<string> {
  const out = await aws.ec2.DescribeVpcs({});
  const vpcs = out.Vpcs ?? [];
  const label = (vpc: Vpc): string => {
    const name = vpc.Tags?.find((t) => t.Key === 'Name')?.Value;
    return `${vpc.VpcId} ${name ? `"${name}" ` : ''}${vpc.CidrBlock ?? ''}${vpc.IsDefault ? ' (default)' : ''}`;
  };
  const fallback = preselect ?? vpcs.find((v) => v.IsDefault)?.VpcId ?? vpcs[0]?.VpcId ?? 'new';
  return ui.ask({
    kind: 'select',
    code: 'setup.vpc',
    message: 'Which VPC?',
    choices: [
      ...vpcs.map((vpc) => ({
        value: vpc.VpcId ?? '',
        name: label(vpc),
        ...(vpc.VpcId === preselect ? { description: 'your function is already here' } : {}),
      })),
      { value: 'new', name: 'Create a new VPC (10.0.0.0/16), owned by fixed-ip' },
    ],
    default: fallback,
  });
}

/** --az: the first zone; the stack's other zones (--azs) follow in the region's order. */
export async function askZone(ui: Ui, zones: string[], fallback: string, count: number): Promise<string> {
  return ui.ask({
    kind: 'select',
    code: 'setup.az',
    message:
      count === 1
        ? 'Availability Zone for the subnets?'
        : `First of the ${count} Availability Zones? (the other${count > 2 ? 's follow' : ' follows'} in the region's order; --azs 1 for one)`,
    choices: zones.map((zone) => ({ value: zone, name: zone })),
    default: fallback,
  });
}

/** --public-cidr / --private-cidr */
export async function askCidr(
  ui: Ui,
  which: 'public' | 'private',
  fallback: string,
  validate: (value: string) => true | string,
): Promise<string> {
  const typed = await ui.ask({
    kind: 'input',
    code: `setup.${which}-cidr`,
    message: `CIDR block of the ${which} subnet?`,
    default: fallback,
    validate,
  });
  // The check trims what was typed; EC2 does not, so pass on the block the check accepted.
  return typed.trim();
}

/** --eip */
export async function askEip(ui: Ui, free: Address[]): Promise<string> {
  return ui.ask({
    kind: 'select',
    code: 'setup.eip',
    message: 'Reuse an Elastic IP that is not in use? (an allowlisted IP keeps working)',
    choices: [
      { value: 'new', name: 'Allocate a new Elastic IP' },
      ...free.map((a) => ({ value: a.AllocationId ?? '', name: `${a.PublicIp} (${a.AllocationId})` })),
    ],
    default: 'new',
  });
}

/** --fix-role */
export async function askFixRole(
  ui: Ui,
  functionName: string,
  roleName: string,
  missing: string[],
): Promise<boolean> {
  return ui.ask({
    kind: 'confirm',
    code: 'setup.fix-role',
    // Yes by default: without it setup cannot move the function, and No stops it here.
    message: `${functionName}'s role ${roleName} lacks ${missing.join(', ')}. Attach AWSLambdaVPCAccessExecutionRole to it? (No stops setup)`,
    default: true,
  });
}
