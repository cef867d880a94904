import { isReadOnlyOperation } from '../../src/aws/read-only.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A recording proxy between the CLI and moto. It writes down every call (so a test can count the
 * mutating ones) and bridges the few places where moto does not do what AWS does. Each bridge is
 * listed, with the moto source that shows the gap, in test/moto/README.md; nothing here is in src/.
 */

export interface Call {
  service: string;
  /** The query protocol's Action, or `METHOD /path` for Lambda's REST API. */
  action: string;
  dryRun: boolean;
  mutating: boolean;
  /** The request body of a JSON-protocol call (X-Amz-Target): what a test checks a filter in. */
  body?: string;
}

export interface Bridge {
  endpoint: string;
  calls: Call[];
  /** Calls that change the account (no Describe/Get/List, no dry run). */
  mutating(): Call[];
  close(): Promise<void>;
}

/** EC2 actions whose moto handler calls `error_on_dryrun` (moto/ec2/responses/*.py); moto runs the rest for real. */
const MOTO_HONOURS_DRY_RUN = new Set([
  'AllocateAddress',
  'AssociateAddress',
  'DisassociateAddress',
  'AttachInternetGateway',
  'CreateInternetGateway',
  'CreateSecurityGroup',
]);

const MOTO_PLACEHOLDER_VPC = 'vpc-123abc';

function serviceOf(request: IncomingMessage): string {
  const auth = request.headers.authorization ?? '';
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown';
}

function xml(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/xml' });
  response.end(body);
}

/** AWS's EC2 answer to an allowed dry run (HTTP 412), as the SDK's EC2 protocol reads it. */
function dryRunOperation(response: ServerResponse): void {
  xml(
    response,
    412,
    '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>DryRunOperation</Code>' +
      '<Message>Request would have succeeded, but DryRun flag is set.</Message></Error></Errors>' +
      '<RequestID>moto-bridge</RequestID></Response>',
  );
}

/** IAM's answer to a caller without iam:SimulatePrincipalPolicy (awsQuery error shape). */
function accessDenied(response: ServerResponse, action: string): void {
  xml(
    response,
    403,
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>' +
      `<Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/moto is not authorized to perform: iam:${action}</Message>` +
      '</Error><RequestId>moto-bridge</RequestId></ErrorResponse>',
  );
}

/** EC2's answer to releasing an address that is still associated. */
function addressInUse(response: ServerResponse, allocationId: string): void {
  xml(
    response,
    400,
    '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InvalidIPAddress.InUse</Code>' +
      `<Message>Address ${allocationId} is in use.</Message></Error></Errors>` +
      '<RequestID>moto-bridge</RequestID></Response>',
  );
}

function dependencyViolation(response: ServerResponse, message: string): void {
  xml(
    response,
    400,
    '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>DependencyViolation</Code>' +
      `<Message>${message}</Message></Error></Errors><RequestID>moto-bridge</RequestID></Response>`,
  );
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks)));
    request.on('error', fail);
  });
}

/** One EC2 query straight to moto (moto reads the service and region from the credential scope). */
async function motoEc2(moto: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(moto, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ Version: '2016-11-15', ...params }),
  });
  return response.text();
}

async function vpcOfSubnet(moto: string, subnetId: string): Promise<string | undefined> {
  const answer = await motoEc2(moto, { Action: 'DescribeSubnets', 'SubnetId.1': subnetId });
  return /<vpcId>([^<]+)<\/vpcId>/.exec(answer)?.[1];
}

/** The association of the Elastic IP a NAT gateway holds, if any. */
async function natAddressAssociation(moto: string, natId: string): Promise<string | undefined> {
  const nat = await motoEc2(moto, { Action: 'DescribeNatGateways', 'NatGatewayId.1': natId });
  const allocation = /<allocationId>([^<]+)<\/allocationId>/.exec(nat)?.[1];
  if (!allocation) return undefined;
  return addressAssociation(moto, allocation);
}

/** NAT gateways not yet deleted, by `subnet-id` or `vpc-id` (filters moto does apply). */
async function liveNatGateways(moto: string, filter: 'subnet-id' | 'vpc-id', id: string): Promise<boolean> {
  const answer = await motoEc2(moto, {
    Action: 'DescribeNatGateways',
    'Filter.1.Name': filter,
    'Filter.1.Value.1': id,
    'Filter.2.Name': 'state',
    'Filter.2.Value.1': 'pending',
    'Filter.2.Value.2': 'available',
    'Filter.2.Value.3': 'deleting',
  });
  return /<natGatewayId>/.test(answer);
}

async function addressAssociation(moto: string, allocationId: string): Promise<string | undefined> {
  const addresses = await motoEc2(moto, { Action: 'DescribeAddresses', 'AllocationId.1': allocationId });
  return /<associationId>([^<]+)<\/associationId>/.exec(addresses)?.[1];
}

/** moto names every function VPC `vpc-123abc`; AWS names the subnets' VPC. */
async function realVpcIds(moto: string, body: string): Promise<string> {
  if (!body.includes(MOTO_PLACEHOLDER_VPC)) return body;
  const document = JSON.parse(body) as Record<string, unknown>;
  const fix = async (config: Record<string, unknown> | undefined): Promise<void> => {
    const vpc = config?.VpcConfig as { VpcId?: string; SubnetIds?: string[] } | undefined;
    if (vpc?.VpcId !== MOTO_PLACEHOLDER_VPC) return;
    const subnet = vpc.SubnetIds?.[0];
    vpc.VpcId = subnet ? ((await vpcOfSubnet(moto, subnet)) ?? '') : '';
  };
  await fix(document);
  await fix(document.Configuration as Record<string, unknown> | undefined);
  for (const fn of (document.Functions as Record<string, unknown>[] | undefined) ?? []) await fix(fn);
  return JSON.stringify(document);
}

export async function startBridge(moto: string): Promise<Bridge> {
  const calls: Call[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const service = serviceOf(request);
      const method = request.method ?? 'GET';
      // JSON protocols (Lambda's REST, SSM's awsJson1_1) carry no query; SSM names its action in X-Amz-Target.
      const target = request.headers['x-amz-target'];
      const json = service === 'lambda' || typeof target === 'string';
      const params = json ? undefined : new URLSearchParams(body.toString());
      const action =
        params?.get('Action') ??
        (typeof target === 'string'
          ? target.slice(target.indexOf('.') + 1)
          : `${method} ${(request.url ?? '').split('?')[0]}`);
      const dryRun = params?.get('DryRun') === 'true';
      const mutating =
        !dryRun && (params || typeof target === 'string' ? !isReadOnlyOperation(action) : method !== 'GET');
      calls.push({
        service,
        action,
        dryRun,
        mutating,
        ...(typeof target === 'string' ? { body: body.toString() } : {}),
      });

      if (service === 'ec2' && dryRun && !MOTO_HONOURS_DRY_RUN.has(action)) return dryRunOperation(response);
      if (service === 'iam' && action === 'SimulatePrincipalPolicy') return accessDenied(response, action);
      if (service === 'ec2' && action === 'ReleaseAddress') {
        const association = await addressAssociation(moto, params?.get('AllocationId') ?? '');
        if (association) return addressInUse(response, params?.get('AllocationId') ?? '');
      }
      if (service === 'ec2' && action === 'DeleteSubnet') {
        const subnet = params?.get('SubnetId') ?? '';
        if (await liveNatGateways(moto, 'subnet-id', subnet))
          return dependencyViolation(
            response,
            `The subnet '${subnet}' has dependencies and cannot be deleted.`,
          );
      }
      if (service === 'ec2' && action === 'DetachInternetGateway') {
        const vpc = params?.get('VpcId') ?? '';
        if (await liveNatGateways(moto, 'vpc-id', vpc))
          return dependencyViolation(
            response,
            `Network ${vpc} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
          );
      }
      // moto leaves the NAT gateway's address associated; AWS frees it (after the request).
      const natAddress =
        service === 'ec2' && action === 'DeleteNatGateway'
          ? await natAddressAssociation(moto, params?.get('NatGatewayId') ?? '')
          : undefined;

      const headers = new Headers();
      for (const [key, value] of Object.entries(request.headers)) {
        if (value !== undefined && key !== 'host' && key !== 'connection')
          headers.set(key, Array.isArray(value) ? value.join(',') : value);
      }
      const upstream = await fetch(`${moto}${request.url ?? '/'}`, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
      });
      let text = Buffer.from(await upstream.arrayBuffer());
      if (natAddress && upstream.ok)
        await motoEc2(moto, { Action: 'DisassociateAddress', AssociationId: natAddress });
      if (service === 'lambda') text = Buffer.from(await realVpcIds(moto, text.toString()));
      const out: Record<string, string> = {};
      upstream.headers.forEach((value, key) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(key))
          out[key] = value;
      });
      response.writeHead(upstream.status, { ...out, 'content-length': String(text.length) });
      response.end(text);
    })().catch((error: unknown) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`moto bridge: ${String(error)}`);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    mutating: () => calls.filter((call) => call.mutating),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
