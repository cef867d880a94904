/**
 * moto (a local AWS: `moto_server`, or `python3 -m moto.server`) on 127.0.0.1 for the cold `status`
 * figures, seeded with a function and a VPC through boto3 (which moto brings). moto does not
 * implement iam:SimulatePrincipalPolicy, so setup's role check is pointed at a stub that answers
 * AccessDenied, which setup takes as "cannot ask; Lambda checks at move time".
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Moto {
  vpcId: string;
  /** Endpoint and fake credentials for the CLI. */
  env: NodeJS.ProcessEnv;
  /** The same, with IAM sent to the stub (setup only). */
  setupEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const SEED = `
import boto3, io, json, os, zipfile
kw = dict(endpoint_url=os.environ['AWS_ENDPOINT_URL'], region_name='us-east-1',
          aws_access_key_id='bench', aws_secret_access_key='bench')
iam, lam, ec2 = (boto3.client(s, **kw) for s in ('iam', 'lambda', 'ec2'))
role = iam.create_role(RoleName='orders-api-role', AssumeRolePolicyDocument='{}')['Role']['Arn']
iam.put_role_policy(RoleName='orders-api-role', PolicyName='vpc-access', PolicyDocument=json.dumps({
    'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Resource': '*', 'Action': [
        'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
        'ec2:DescribeSubnets', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses']}]}))
code = io.BytesIO()
with zipfile.ZipFile(code, 'w') as z:
    z.writestr('index.py', 'def handler(event, context):\\n    return 1\\n')
lam.create_function(FunctionName='orders-api', Runtime='python3.12', Role=role,
                    Handler='index.handler', Code={'ZipFile': code.getvalue()})
print(ec2.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId'])
`;

function listen(server: Server): Promise<number> {
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)),
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((done) => server.close(done));
  return port;
}

async function up(url: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    try {
      await fetch(url);
      return true;
    } catch {
      await new Promise((wake) => setTimeout(wake, 200));
    }
  }
  return false;
}

export async function startMoto(cwd: string): Promise<Moto | { missing: string }> {
  const port = await freePort();
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  const [command, args] =
    which.status === 0
      ? [which.stdout.trim(), ['-H', '127.0.0.1', '-p', String(port)]]
      : ['python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)]];
  const child = spawn(command, args, { cwd, stdio: 'ignore' });
  child.on('error', () => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  if (!(await up(endpoint, child))) {
    child.kill();
    return { missing: 'moto did not start (pip install "moto[server]")' };
  }
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
  };
  const seeded = spawnSync('python3', ['-c', SEED], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const vpcId = seeded.stdout.trim().split('\n').pop() ?? '';
  const stub = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(403, { 'content-type': 'text/xml' });
      response.end(
        '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not in moto</Message></Error><RequestId>bench</RequestId></ErrorResponse>',
      );
    });
  });
  const stubPort = await listen(stub);
  const stop = async (): Promise<void> => {
    child.kill();
    await new Promise((done) => stub.close(done));
  };
  if (seeded.status !== 0 || !vpcId.startsWith('vpc-')) {
    await stop();
    return { missing: `seeding moto failed: ${seeded.stderr.trim().split('\n').pop() ?? ''}` };
  }
  return {
    vpcId,
    env,
    setupEnv: { ...env, AWS_ENDPOINT_URL_IAM: `http://127.0.0.1:${stubPort}` },
    stop,
  };
}
