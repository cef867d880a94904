import { describe, expect, it } from 'vitest';
import { client, MINUTE, newSim } from './support.js';

/** The article's layout, without the NAT: public subnet routed to the gateway, private subnet with its own table. */
async function routedAccount() {
  const { sim, clock } = newSim();
  const ec2 = client(sim, 'ec2');
  const lambda = client(sim, 'lambda');
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const igwId = sim.addInternetGateway({ vpcId });
  const publicSubnet = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
  const privateSubnet = sim.addSubnet({ vpcId, cidr: '10.0.2.0/24', az: 'ap-northeast-1c' });
  const publicTable = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId;
  await ec2('AssociateRouteTable', { RouteTableId: publicTable, SubnetId: publicSubnet });
  await ec2('CreateRoute', {
    RouteTableId: publicTable,
    DestinationCidrBlock: '0.0.0.0/0',
    GatewayId: igwId,
  });
  const privateTable = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId;
  await ec2('AssociateRouteTable', { RouteTableId: privateTable, SubnetId: privateSubnet });
  const groupId = sim.addSecurityGroup({ vpcId, name: 'fn' });
  sim.addFunction({ name: 'probe', vpc: { subnetIds: [privateSubnet], securityGroupIds: [groupId] } });
  const eip = sim.addAddress();
  const invoke = async (input: object = {}) => {
    const out = await lambda('Invoke', { FunctionName: 'probe', ...input });
    return {
      ...out,
      body: out.Payload
        ? (JSON.parse(new TextDecoder().decode(out.Payload)) as Record<string, string>)
        : undefined,
    };
  };
  return {
    sim,
    clock,
    ec2,
    lambda,
    vpcId,
    igwId,
    publicSubnet,
    privateSubnet,
    publicTable,
    privateTable,
    groupId,
    eip,
    invoke,
  };
}

function timedOut(out: { FunctionError?: string; StatusCode?: number; body?: Record<string, string> }) {
  expect(out.StatusCode).toBe(200);
  expect(out.FunctionError).toBe('Unhandled');
  expect(out.body?.errorType).toBe('Sandbox.Timedout');
  expect(out.body?.errorMessage).toMatch(/Task timed out after 3.00 seconds/);
}

describe('Invoke follows AWS routing', () => {
  it('through a NAT gateway: the EIP once the route, the NAT and its public route are all there', async () => {
    const { clock, ec2, publicSubnet, publicTable, privateTable, eip, invoke } = await routedAccount();
    timedOut(await invoke());
    const natId = (await ec2('CreateNatGateway', { SubnetId: publicSubnet, AllocationId: eip.allocationId }))
      .NatGateway.NatGatewayId;
    await ec2('CreateRoute', {
      RouteTableId: privateTable,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: natId,
    });
    timedOut(await invoke()); // still pending
    clock.advance(90_000);
    const ok = await invoke();
    expect(ok.FunctionError).toBeUndefined();
    expect(ok.body).toEqual({ publicIp: eip.publicIp });
    // Break the NAT's own way out.
    await ec2('DeleteRoute', { RouteTableId: publicTable, DestinationCidrBlock: '0.0.0.0/0' });
    timedOut(await invoke());
    const igwId = (await ec2('DescribeInternetGateways')).InternetGateways[0].InternetGatewayId;
    await ec2('CreateRoute', {
      RouteTableId: publicTable,
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: igwId,
    });
    expect((await invoke()).body).toEqual({ publicIp: eip.publicIp });
    // Break the private route, then the NAT itself.
    await ec2('DeleteRoute', { RouteTableId: privateTable, DestinationCidrBlock: '0.0.0.0/0' });
    timedOut(await invoke());
    await ec2('CreateRoute', {
      RouteTableId: privateTable,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: natId,
    });
    await ec2('DeleteNatGateway', { NatGatewayId: natId });
    timedOut(await invoke());
  });

  it('a function in a public subnet gets no public IP; one outside a VPC uses Lambda’s own address', async () => {
    const { lambda, clock, publicSubnet, groupId, eip, invoke } = await routedAccount();
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'probe',
      VpcConfig: { SubnetIds: [publicSubnet], SecurityGroupIds: [groupId] },
    });
    clock.advance(MINUTE);
    timedOut(await invoke());
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'probe',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
    });
    clock.advance(MINUTE);
    const out = await invoke();
    expect(out.body?.publicIp).toBeDefined();
    expect(out.body?.publicIp).not.toBe(eip.publicIp);
  });

  it('through a NAT instance: needs it running, source/dest check off, its group admitting the subnet, and the EIP', async () => {
    const { sim, clock, ec2, vpcId, publicSubnet, privateTable, eip, invoke } = await routedAccount();
    const ssm = client(sim, 'ssm');
    const natGroup = sim.addSecurityGroup({ vpcId, name: 'nat-instance' });
    const eniId = (await ec2('CreateNetworkInterface', { SubnetId: publicSubnet, Groups: [natGroup] }))
      .NetworkInterface.NetworkInterfaceId;
    await ec2('CreateRoute', {
      RouteTableId: privateTable,
      DestinationCidrBlock: '0.0.0.0/0',
      NetworkInterfaceId: eniId,
    });
    const imageId = (
      await ssm('GetParameter', {
        Name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
      })
    ).Parameter.Value;
    const instanceId = (
      await ec2('RunInstances', {
        ImageId: imageId,
        InstanceType: 't4g.nano',
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eniId }],
      })
    ).Instances[0].InstanceId;
    clock.advance(30_000);
    timedOut(await invoke()); // source/dest check on, no ingress, no EIP
    await ec2('ModifyNetworkInterfaceAttribute', {
      NetworkInterfaceId: eniId,
      SourceDestCheck: { Value: false },
    });
    timedOut(await invoke());
    await ec2('AuthorizeSecurityGroupIngress', {
      GroupId: natGroup,
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.2.0/24' }] }],
    });
    timedOut(await invoke());
    await ec2('AssociateAddress', { AllocationId: eip.allocationId, NetworkInterfaceId: eniId });
    expect((await invoke()).body).toEqual({ publicIp: eip.publicIp });
    await ec2('StopInstances', { InstanceIds: [instanceId] });
    clock.advance(MINUTE);
    timedOut(await invoke());
  });

  it('through a regional NAT gateway: the address of the function’s zone', async () => {
    const { sim, clock, ec2, vpcId, privateTable, invoke } = await routedAccount();
    const inA = sim.addAddress();
    const inC = sim.addAddress();
    const natId = (
      await ec2('CreateNatGateway', {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        AvailabilityZoneAddresses: [
          { AvailabilityZone: 'ap-northeast-1a', AllocationIds: [inA.allocationId] },
          { AvailabilityZone: 'ap-northeast-1c', AllocationIds: [inC.allocationId] },
        ],
      })
    ).NatGateway.NatGatewayId;
    await ec2('CreateRoute', {
      RouteTableId: privateTable,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: natId,
    });
    clock.advance(90_000);
    expect((await invoke()).body).toEqual({ publicIp: inC.publicIp });
  });

  it('a version keeps its network: an alias on an old version still egresses the old way', async () => {
    const { clock, ec2, lambda, publicSubnet, privateTable, eip, invoke } = await routedAccount();
    const natId = (await ec2('CreateNatGateway', { SubnetId: publicSubnet, AllocationId: eip.allocationId }))
      .NatGateway.NatGatewayId;
    await ec2('CreateRoute', {
      RouteTableId: privateTable,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: natId,
    });
    clock.advance(90_000);
    await lambda('PublishVersion', { FunctionName: 'probe' });
    await lambda('CreateAlias', { FunctionName: 'probe', Name: 'live', FunctionVersion: '1' });
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'probe',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
    });
    clock.advance(MINUTE);
    expect((await invoke({ Qualifier: 'live' })).body).toEqual({ publicIp: eip.publicIp });
    expect((await invoke()).body?.publicIp).not.toBe(eip.publicIp);
  });
});

describe('Invoke and IAM', () => {
  it('needs lambda:InvokeFunction, the action IAM names for Invoke', async () => {
    const { sim, invoke } = await routedAccount();
    sim.inject({ kind: 'deny', action: 'lambda:InvokeFunction' });
    await expect(invoke()).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('a function that crashes', () => {
  it("answers as Lambda does for an unhandled error (status 200, FunctionError 'Unhandled', the error in the payload), once per fault", async () => {
    const { sim, invoke } = await routedAccount();
    sim.inject({ kind: 'functionCrashes', errorType: 'Runtime.ImportModuleError', errorMessage: 'no index' });
    const crashed = await invoke();
    expect(crashed.StatusCode).toBe(200);
    expect(crashed.FunctionError).toBe('Unhandled');
    expect(crashed.body).toEqual({ errorType: 'Runtime.ImportModuleError', errorMessage: 'no index' });
    expect((await invoke()).body?.errorType).not.toBe('Runtime.ImportModuleError');
  });
});
