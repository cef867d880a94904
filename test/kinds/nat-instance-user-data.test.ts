/**
 * The NAT instance's user data is a real script, run here for real:
 * - install mode and `--watch` run against a scratch root (FIXED_IP_NAT_ROOT) with small stubs on
 *   PATH for IMDS (curl), EC2 (aws) and the system commands (dnf, swap, sysctl, systemctl, ip,
 *   nft): they record every call, so the tests see the boot report tags, the swap file coming
 *   before any package install, the files written, the interface found by its MAC, self-attach;
 * - `--configure` runs in network namespaces laid out like the VPC: a "router" namespace with the
 *   public subnet as a bridge (router 10.66.0.1) where the NAT's primary (10.66.0.5) and the
 *   stack's interface (10.66.0.10) are plugged; a private subnet (10.66.1.0/24) whose default
 *   route the router sends to 10.66.0.10; an "internet" (192.0.2.2) with no route back to the
 *   private subnet. It shows that private traffic leaves only through the stack's interface,
 *   seen as 10.66.0.10, never through the primary, and follows the interface to another instance.
 * Those need root, iproute2, nft (or iptables) and python3; shellcheck for the lint. Where one is
 * missing the test skips, with the reason in its name; in CI (CI=true), where .ci/run installs
 * them, a missing tool fails it instead.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { userData } from '../../src/kinds/nat-instance.js';
import { USER_DATA_LIMIT } from '../../src/kinds/nat-instance/boot.js';

const SCRIPT = fileURLToPath(new URL('../../src/kinds/nat-instance/user-data.sh', import.meta.url));
const CONFIG = { interfaceId: 'eni-0stack', region: 'eu-west-1', selfAttach: false };

/** CI installs every tool these tests need: there a missing one is a failure, never a skip. */
const IN_CI = process.env.CI === 'true';

/** Skips the test where `missing` names a reason, except in CI, where the test fails with it. */
function itNeeds(missing: string | undefined, name: string, body: () => unknown, timeout?: number): void {
  if (missing === undefined) it(name, body, timeout);
  else if (IN_CI)
    it(name, () => {
      throw new Error(`${missing}: CI must have it (.ci/run installs it)`);
    });
  else it.skip(`${name} (skipped: ${missing})`, body);
}

const which = (command: string): string | undefined => {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
};
const has = (command: string): boolean => which(command) !== undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function namespaceSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  if (!has('ip')) return 'no `ip` (apt-get install -y iproute2)';
  if (!has('nft') && !has('iptables')) return 'neither nft nor iptables (apt-get install -y nftables)';
  if (!has('python3')) return 'no python3';
  const probe = spawnSync('ip', ['netns', 'add', `fip-probe-${process.pid}`], { encoding: 'utf8' });
  if (probe.status !== 0) return `cannot create network namespaces (${probe.stderr.trim()})`;
  spawnSync('ip', ['netns', 'del', `fip-probe-${process.pid}`]);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The stubbed machine: a scratch root, stubs that record their calls, the real tools the script
// needs (and no others: no nft, iptables or aws unless a stub provides them).

const MAC_PRIMARY = '0a:00:00:00:00:01';
const MAC_STACK = '0a:00:00:00:00:02';
// The real tools the script (and the stubs) use; nothing else is on PATH.
const REAL_TOOLS = ['cat', 'awk', 'rm', 'dd', 'chmod', 'grep', 'install', 'seq', 'mkdir'];

/** The stubs. Each records `name args` in calls.log, and fails when the file fail-<name> exists. */
const STUBS: Record<string, string> = {
  // IMDSv2 from files under imds/: a PUT gets a token, a GET meta-data/<path> the file's content.
  curl: `
    url="\${*: -1}"
    case " $* " in *" PUT "*) echo token; exit 0 ;; esac
    path="$STUB/imds/\${url#*/latest/meta-data/}"
    [ -f "$path" ] || exit 22
    cat "$path"`,
  // EC2: the describe answers come from eni.txt and holder.txt; detach frees the interface;
  // attach runs on-attach (the test's way to make the device appear).
  aws: `
    case "$2" in
      describe-network-interfaces) cat "$STUB/eni.txt" ;;
      describe-instances) cat "$STUB/holder.txt" ;;
      detach-network-interface) printf 'available\\tNone\\tNone\\tNone\\n' >"$STUB/eni.txt" ;;
      attach-network-interface)
        printf 'in-use\tattaching\t%s\teni-attach-0new\n' "$8" >"$STUB/eni.txt"
        [ ! -f "$STUB/on-attach" ] || "$BASH" "$STUB/on-attach" ;;
    esac`,
  // iproute2, with the little state the watcher reads back: addresses (addr-<dev> files), the
  // rule and the route of table 1066 (rules.txt, routes.txt).
  ip: `
    case "$*" in
      "-4 -o addr show dev "*) [ ! -f "$STUB/addr-$6" ] || echo "2: $6 inet 10.0.16.10/20" ;;
      "rule del"*) [ -s "$STUB/rules.txt" ] || exit 1; : >"$STUB/rules.txt" ;;
      "rule add"*) echo "1066:	from all iif $5 lookup 1066" >"$STUB/rules.txt" ;;
      "rule show"*) cat "$STUB/rules.txt" 2>/dev/null || true ;;
      "route replace"*) echo "default via $4 dev $6 onlink" >"$STUB/routes.txt" ;;
      "route show"*) grep -s "dev $7 " "$STUB/routes.txt" || true ;;
    esac`,
  nft: `cat >>"$STUB/calls.log"`,
  sysctl: '',
  systemctl: '',
  dnf: '',
  fallocate: ': >"$3"',
  mkswap: '',
  swapon: '',
  // The script's waits (retries, the watcher's second) shortened.
  sleep: 'exec "$REAL_SLEEP" 0.05',
};

interface Machine {
  dir: string;
  root: string;
  stub: string;
  script: string;
  env: NodeJS.ProcessEnv;
  calls(): string[];
  tags(): string[];
  file(path: string): string;
  fail(name: string): void;
  /** Writes a file of the stubs' (their answers). */
  write(path: string, content: string): void;
  /** Writes a file under the scratch root (what the script reads as /proc, /etc...). */
  writeRoot(path: string, content: string): void;
  addDevice(name: string, mac: string): void;
}

const machines: string[] = [];

/** A stubbed instance: 460 MiB of memory, no swap, eth0 (the primary), no nft unless `stubs` adds it. */
function machine(options: { userData?: string; stubs?: string[]; memKib?: number } = {}): Machine {
  const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-nat-'));
  machines.push(dir);
  const root = join(dir, 'root');
  const stub = join(dir, 'stub');
  const bin = join(dir, 'bin');
  const tools = join(dir, 'tools');
  const write = (path: string, content: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  };
  for (const folder of ['etc/sysctl.d', 'etc/systemd/system', 'usr/local/sbin', 'var', 'sys/class/net'])
    mkdirSync(join(root, folder), { recursive: true });
  write(join(root, 'etc/fstab'), 'UUID=abc / xfs defaults 0 0\n');
  write(join(root, 'proc/meminfo'), `MemTotal:       ${options.memKib ?? 460_000} kB\nMemFree: 1 kB\n`);
  write(join(root, 'proc/swaps'), 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
  write(join(root, 'dev/console'), '');
  write(join(stub, 'calls.log'), '');
  write(join(stub, 'imds/instance-id'), 'i-0fixedip');
  write(join(stub, 'imds/placement/region'), 'ap-northeast-1');
  write(join(stub, `imds/network/interfaces/macs/${MAC_PRIMARY}/interface-id`), 'eni-0primary');
  write(join(stub, `imds/network/interfaces/macs/${MAC_STACK}/interface-id`), 'eni-0stack');
  write(join(stub, `imds/network/interfaces/macs/${MAC_STACK}/subnet-ipv4-cidr-block`), '10.0.16.0/20');
  const bash = which('bash') ?? '/bin/bash';
  for (const name of [...Object.keys(STUBS).filter((n) => n !== 'nft'), ...(options.stubs ?? [])]) {
    write(
      join(bin, name),
      `#!${bash}\necho "${name} $*" >>"$STUB/calls.log"\n[ ! -e "$STUB/fail-${name}" ] || exit 1\n${STUBS[name] ?? ''}\n`,
    );
    chmodSync(join(bin, name), 0o755);
  }
  mkdirSync(tools);
  for (const tool of REAL_TOOLS) {
    const real = which(tool);
    if (real) symlinkSync(real, join(tools, tool));
  }
  const script = join(dir, 'user-data.sh');
  write(script, options.userData ?? userData(CONFIG));
  const m: Machine = {
    dir,
    root,
    stub,
    script,
    env: {
      PATH: `${bin}:${tools}`,
      FIXED_IP_NAT_ROOT: root,
      STUB: stub,
      REAL_SLEEP: which('sleep') ?? '/bin/sleep',
    },
    calls: () => readFileSync(join(stub, 'calls.log'), 'utf8').split('\n').filter(Boolean),
    /** The values of the boot tags set, in order; each call must name this instance and the config's region. */
    tags: () =>
      m
        .calls()
        .filter((line) => line.startsWith('aws ec2 create-tags'))
        .map((line) => {
          const match =
            /^aws ec2 create-tags --region (\S+) --resources (\S+) --tags Key=fixed-ip:nat-boot,Value=(.*)$/.exec(
              line,
            );
          if (!match) throw new Error(`unexpected create-tags call: ${line}`);
          return `${match[1]} ${match[2]} ${match[3]}`;
        }),
    file: (path) => readFileSync(join(root, path), 'utf8'),
    fail: (name) => write(join(stub, `fail-${name}`), ''),
    write: (path, content) => write(join(stub, path), content),
    writeRoot: (path, content) => write(join(root, path), content),
    addDevice: (name, mac) => write(join(root, 'sys/class/net', name, 'address'), `${mac}\n`),
  };
  m.addDevice('lo', '00:00:00:00:00:00');
  m.addDevice('eth0', MAC_PRIMARY);
  return m;
}

const bashPath = which('bash') ?? '/bin/bash';

function install(m: Machine) {
  return spawnSync(bashPath, [m.script], { env: m.env, encoding: 'utf8', timeout: 20_000 });
}

afterAll(() => {
  for (const dir of machines) rmSync(dir, { recursive: true, force: true });
});

describe('NAT instance user data', () => {
  it('is the shipped script, run by bash, with the config block after its first line', () => {
    const shipped = userData();
    expect(shipped.startsWith('#!/bin/bash\n')).toBe(true);
    expect(shipped).not.toContain('# fixed-ip:nat-config');
    const configured = userData({ ...CONFIG, selfAttach: true }).split('\n');
    expect(configured.slice(0, 5)).toEqual([
      '#!/bin/bash',
      '# fixed-ip:nat-config',
      "NAT_INTERFACE_ID='eni-0stack'",
      "NAT_REGION='eu-west-1'",
      "NAT_SELF_ATTACH='1'",
    ]);
  });

  it("fits AWS's 16 KB user data limit as sent (comment lines out, config block in), and is still the same program", () => {
    const sent = userData({ ...CONFIG, selfAttach: true });
    expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(USER_DATA_LIMIT);
    expect(sent.split('\n').filter((line) => /^\s*#/.test(line))).toEqual([
      '#!/bin/bash',
      '# fixed-ip:nat-config',
    ]);
    const parsed = spawnSync('bash', ['-n'], { input: sent, encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
  });

  const shellcheckMissing = has('shellcheck')
    ? undefined
    : 'shellcheck is not installed (apt-get install -y shellcheck)';
  itNeeds(shellcheckMissing, 'is shellcheck-clean, as shipped and with the config block', () => {
    const m = machine();
    for (const file of [SCRIPT, m.script]) {
      const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', file], {
        encoding: 'utf8',
      });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
  });

  it('refuses an unknown argument, or --configure without DEV and GATEWAY, with a clear line and exit 2', () => {
    const result = spawnSync('bash', [SCRIPT, '--nope'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown argument: --nope/);
    const configure = spawnSync('bash', [SCRIPT, '--configure', 'eth1'], { encoding: 'utf8' });
    expect(configure.status).toBe(2);
    expect(configure.stderr).toMatch(/usage: --configure DEV GATEWAY/);
  });
});

describe('install (what cloud-init runs), on a stubbed instance', () => {
  it('makes swap before any package install, installs nftables, the sysctls and the service, then reports ready', () => {
    const m = machine();
    const result = install(m);
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.status).toBe(0);

    const calls = m.calls();
    const at = (prefix: string) => calls.findIndex((line) => line.startsWith(prefix));
    expect(calls).toContain('fallocate -l 1G ' + join(m.root, 'var/fixed-ip.swap'));
    expect(at('swapon')).toBeGreaterThan(at('mkswap'));
    expect(at('dnf -y install nftables')).toBeGreaterThan(at('swapon'));
    expect(calls.filter((line) => line.startsWith('dnf'))).toEqual(['dnf -y install nftables']); // aws is there
    // The config block's region and the instance's own id (IMDS says ap-northeast-1: not used).
    expect(m.tags()).toEqual(['eu-west-1 i-0fixedip ready']);
    expect(m.file('dev/console')).toContain('fixed-ip:nat-boot=ready');
    // Ready is said before the service starts, so it can never overwrite the service's `forwarding`.
    expect(at('aws ec2 create-tags')).toBeLessThan(at('systemctl start fixed-ip-nat.service'));
    expect(calls).toContain('systemctl enable fixed-ip-nat.service');

    const sysctls = m.file('etc/sysctl.d/90-fixed-ip-nat.conf');
    for (const line of [
      'net.ipv4.ip_forward = 1',
      'net.ipv4.conf.all.rp_filter = 0',
      'net.ipv4.conf.default.rp_filter = 0',
    ])
      expect(sysctls).toContain(line);
    expect(calls).toContain(`sysctl -q -p ${join(m.root, 'etc/sysctl.d/90-fixed-ip-nat.conf')}`);

    const unit = m.file('etc/systemd/system/fixed-ip-nat.service');
    for (const line of ['Type=simple', 'Restart=always', 'ExecStart=/usr/local/sbin/fixed-ip-nat --watch'])
      expect(unit.split('\n')).toContain(line);
    // The service runs this very script, config block included.
    expect(m.file('usr/local/sbin/fixed-ip-nat')).toBe(userData(CONFIG));

    // Run again (cloud-init re-run by hand): still one swap line in fstab.
    expect(install(m).status).toBe(0);
    expect(m.file('etc/fstab').match(/^\/var\/fixed-ip\.swap none swap /gm)).toHaveLength(1);
  });

  it('makes no swap where there is enough memory, or swap already, and installs nothing when nft is there', () => {
    const big = machine({ memKib: 4 * 1024 * 1024, stubs: ['nft'] });
    expect(install(big).status).toBe(0);
    const small = machine({ stubs: ['nft'] });
    small.writeRoot('proc/swaps', 'Filename Type Size Used Priority\n/swapfile file 524284 0 -2\n');
    expect(install(small).status).toBe(0);
    for (const m of [big, small]) {
      expect(m.calls().filter((line) => /^(fallocate|mkswap|swapon|dnf) /.test(line))).toEqual([]);
      expect(m.tags()).toEqual(['eu-west-1 i-0fixedip ready']);
    }
  });

  it('reports `failed: <the step>` and exits non-zero when a step fails', () => {
    const m = machine();
    m.fail('mkswap');
    const result = install(m);
    expect(result.status).not.toBe(0);
    expect(m.tags()).toEqual(['eu-west-1 i-0fixedip failed: creating the swap file failed']);
    expect(m.file('dev/console')).toContain('fixed-ip:nat-boot=failed: creating the swap file failed');
    expect(m.calls().some((line) => line.startsWith('dnf'))).toBe(false);
    expect(m.calls().some((line) => line.startsWith('systemctl'))).toBe(false);
  });

  it('retries installing nftables 24 times, then reports why it failed', () => {
    const m = machine();
    m.fail('dnf');
    expect(install(m).status).not.toBe(0);
    expect(m.calls().filter((line) => line === 'dnf -y install nftables')).toHaveLength(24);
    expect(m.tags()).toEqual(['eu-west-1 i-0fixedip failed: installing nftables failed after 24 attempts']);
  });

  it('without the config block, reports that (in the region IMDS gives) instead of half-working', () => {
    const m = machine({ userData: userData() });
    expect(install(m).status).not.toBe(0);
    expect(m.tags()).toEqual([
      'ap-northeast-1 i-0fixedip failed: no NAT_INTERFACE_ID: the user data has no fixed-ip:nat-config block',
    ]);
  });
});

describe('--watch (the service), on a stubbed instance', () => {
  let watcher: ChildProcess | undefined;
  afterEach(() => {
    watcher?.kill('SIGKILL');
    watcher = undefined;
  });

  function startWatch(m: Machine): { exit: Promise<number | null> } {
    const child = spawn(bashPath, [m.script, '--watch'], { env: m.env, stdio: 'ignore' });
    watcher = child;
    return { exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  }

  async function until(what: string, check: () => boolean, ms = 8_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  it('finds the interface by its MAC, waits for its address, configures it, says forwarding; ready when it leaves', async () => {
    const m = machine({ stubs: ['nft'] });
    const run = startWatch(m);
    await until('ready', () => m.tags().length === 1);
    expect(m.tags()).toEqual(['eu-west-1 i-0fixedip ready']);

    // Attached (fixed-ip did it), but amazon-ec2-net-utils has not given it its address yet.
    m.addDevice('eth1', MAC_STACK);
    await sleep(500);
    expect(m.calls().some((line) => line.startsWith('ip rule add'))).toBe(false);
    m.write('addr-eth1', '');
    await until('forwarding', () => m.tags().length === 2);
    expect(m.tags()[1]).toBe('eu-west-1 i-0fixedip forwarding');
    const calls = m.calls();
    expect(calls).toContain('ip rule add priority 1066 iif eth1 lookup 1066');
    // The gateway is the subnet's base address + 1, from IMDS' subnet-ipv4-cidr-block (10.0.16.0/20).
    expect(calls).toContain('ip route replace default via 10.0.16.1 dev eth1 onlink table 1066');
    expect(calls).toContain('    oifname "eth1" masquerade');
    expect(calls).toContain('    iifname "eth1" oifname "eth1" accept');
    expect(calls.some((line) => line.startsWith('aws ec2 attach-network-interface'))).toBe(false);

    // systemd-networkd dropped the rule it did not make: put back, without a new report.
    m.write('rules.txt', '');
    await until('the rule put back', () => m.calls().filter((l) => l.startsWith('ip rule add')).length === 2);
    await sleep(300);
    expect(m.tags()).toHaveLength(2);

    // Detached: ready again.
    rmSync(join(m.root, 'sys/class/net/eth1'), { recursive: true });
    await until('ready again', () => m.tags().length === 3);
    expect(m.tags()[2]).toBe('eu-west-1 i-0fixedip ready');

    // A stop is not a failure.
    watcher?.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(m.tags()).toHaveLength(3);
  });

  it('self-attach: waits while a live instance holds the interface, takes it from a dead one, attaches it as device 1', async () => {
    const m = machine({ userData: userData({ ...CONFIG, selfAttach: true }), stubs: ['nft'] });
    m.write('eni.txt', 'in-use\tattached\ti-0live\teni-attach-0old\n');
    m.write('holder.txt', 'running\n');
    // EC2 attaches: the device appears, with its address.
    m.write(
      'on-attach',
      `mkdir -p "$FIXED_IP_NAT_ROOT/sys/class/net/eth1"; echo ${MAC_STACK} >"$FIXED_IP_NAT_ROOT/sys/class/net/eth1/address"; : >"$STUB/addr-eth1"`,
    );
    startWatch(m);
    await until('waiting', () => m.tags().length === 2);
    expect(m.tags()).toEqual([
      'eu-west-1 i-0fixedip ready',
      'eu-west-1 i-0fixedip waiting: interface eni-0stack is held by i-0live',
    ]);
    await sleep(300);
    const moves = () => m.calls().filter((line) => /^aws ec2 (at|de)tach-network-interface/.test(line));
    expect(moves()).toEqual([]); // never steal from a live instance
    expect(m.tags()).toHaveLength(2); // said once

    m.write('holder.txt', 'terminated\n');
    await until('forwarding', () => m.tags().length === 3);
    expect(moves()).toEqual([
      'aws ec2 detach-network-interface --region eu-west-1 --attachment-id eni-attach-0old --force',
      'aws ec2 attach-network-interface --region eu-west-1 --network-interface-id eni-0stack --instance-id i-0fixedip --device-index 1',
    ]);
    expect(m.tags()[2]).toBe('eu-west-1 i-0fixedip forwarding');
    expect(m.calls()).toContain('ip route replace default via 10.0.16.1 dev eth1 onlink table 1066');
  });
});

// ---------------------------------------------------------------------------------------------
// The VPC in network namespaces.

describe('NAT instance user data in network namespaces', () => {
  const skip = namespaceSkipReason();
  const id = `${process.pid}`.slice(-5);
  const ns = {
    router: `fip-rtr-${id}`,
    nat: `fip-nat-${id}`,
    nat2: `fip-nat2-${id}`,
    private: `fip-priv-${id}`,
    internet: `fip-inet-${id}`,
  };
  const eni = `fe${id}`; // the stack's interface: its NAT-side end moves between NAT namespaces
  let server: ChildProcess | undefined;
  let built = false;

  const run = (...args: string[]) => {
    const result = spawnSync(args[0] ?? '', args.slice(1), { encoding: 'utf8', timeout: 20_000 });
    if (result.status !== 0)
      throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr.trim()}`);
    return result.stdout;
  };
  const inNs = (name: string, ...args: string[]) => run('ip', 'netns', 'exec', name, ...args);
  const ipIn = (name: string, ...args: string[]) => run('ip', '-n', name, ...args);
  const configure = (name: string) => inNs(name, 'bash', SCRIPT, '--configure', eni, '10.66.0.1');

  afterAll(() => {
    if (skip) return;
    // The server's whole process group: `timeout` and python under it.
    if (server?.pid) process.kill(-server.pid, 'SIGKILL');
    for (const name of Object.values(ns)) spawnSync('ip', ['netns', 'del', name]);
  });

  /** Plugs `dev` (in namespace `name`, with `address`) into the public subnet's bridge. */
  function plug(name: string, dev: string, address: string, port: string): void {
    run('ip', 'link', 'add', dev, 'netns', name, 'type', 'veth', 'peer', 'name', port, 'netns', ns.router);
    ipIn(ns.router, 'link', 'set', port, 'master', 'br0', 'up');
    ipIn(name, 'addr', 'add', address, 'dev', dev);
    ipIn(name, 'link', 'set', dev, 'up');
  }

  /** A point-to-point link between `dev` (in namespace `name`, with `address`) and the router's `port`. */
  function link(name: string, dev: string, address: string, port: string, routerAddress: string): void {
    run('ip', 'link', 'add', dev, 'netns', name, 'type', 'veth', 'peer', 'name', port, 'netns', ns.router);
    ipIn(name, 'addr', 'add', address, 'dev', dev);
    ipIn(name, 'link', 'set', dev, 'up');
    ipIn(ns.router, 'addr', 'add', routerAddress, 'dev', port);
    ipIn(ns.router, 'link', 'set', port, 'up');
  }

  async function buildVpc(): Promise<void> {
    for (const name of Object.values(ns)) {
      run('ip', 'netns', 'add', name);
      ipIn(name, 'link', 'set', 'lo', 'up');
    }
    // The VPC router: forwards, and does no reverse-path filtering (replies come back on the
    // public subnet from addresses it would route elsewhere).
    inNs(
      ns.router,
      'sysctl',
      '-q',
      '-w',
      'net.ipv4.ip_forward=1',
      'net.ipv4.conf.all.rp_filter=0',
      'net.ipv4.conf.default.rp_filter=0',
    );
    ipIn(ns.router, 'link', 'add', 'br0', 'type', 'bridge');
    ipIn(ns.router, 'addr', 'add', '10.66.0.1/24', 'dev', 'br0');
    ipIn(ns.router, 'link', 'set', 'br0', 'up');
    // In a VPC only an interface's own instance answers for its address (the fabric does ARP):
    // the NAT namespaces must not answer for the other interface's address.
    for (const name of [ns.nat, ns.nat2])
      inNs(name, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2');
    // Two instances, each with its primary and its own default route (their own traffic).
    plug(ns.nat, `fp${id}`, '10.66.0.5/24', `rp${id}`);
    plug(ns.nat2, `fq${id}`, '10.66.0.6/24', `rq${id}`);
    ipIn(ns.nat, 'route', 'add', 'default', 'via', '10.66.0.1', 'dev', `fp${id}`);
    ipIn(ns.nat2, 'route', 'add', 'default', 'via', '10.66.0.1', 'dev', `fq${id}`);
    // The stack's interface, attached to the first.
    plug(ns.nat, eni, '10.66.0.10/24', `re${id}`);
    // The private subnet: its route table sends 0.0.0.0/0 to the stack's interface.
    link(ns.private, `fv${id}`, '10.66.1.2/24', `rv${id}`, '10.66.1.1/24');
    ipIn(ns.private, 'route', 'add', 'default', 'via', '10.66.1.1');
    ipIn(
      ns.router,
      'rule',
      'add',
      'priority',
      '100',
      'from',
      '10.66.1.0/24',
      'iif',
      `rv${id}`,
      'lookup',
      '100',
    );
    ipIn(ns.router, 'route', 'add', 'default', 'via', '10.66.0.10', 'table', '100');
    // The internet: reaches the public subnet, not the private one.
    link(ns.internet, `fi${id}`, '192.0.2.2/24', `ri${id}`, '192.0.2.1/24');
    ipIn(ns.internet, 'route', 'add', '10.66.0.0/24', 'via', '192.0.2.1');
    await startEchoServer();
    built = true;
  }

  /** A TCP server on the internet side that answers each connection with the peer's address. */
  function startEchoServer(): Promise<void> {
    server = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns.internet,
        'timeout',
        '60',
        'python3',
        '-c',
        [
          'import socket',
          's = socket.socket()',
          's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
          "s.bind(('192.0.2.2', 8080)); s.listen(8)",
          "print('ready', flush=True)",
          'while True:',
          '    c, peer = s.accept(); c.sendall(peer[0].encode()); c.close()',
        ].join('\n'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
    );
    const child = server;
    return new Promise((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.on('exit', (code) =>
        reject(new Error(`echo server exited (${String(code)}) before it was ready`)),
      );
    });
  }

  /** What the internet side says the private side's address is; null when the connection fails. */
  function connectFromPrivate(): string | null {
    const result = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        ns.private,
        'timeout',
        '5',
        'python3',
        '-c',
        [
          'import socket',
          "s = socket.create_connection(('192.0.2.2', 8080), timeout=2)",
          'print(s.recv(64).decode())',
        ].join('\n'),
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    return result.status === 0 ? result.stdout.trim() : null;
  }

  const masqueradeRules = (name: string) =>
    has('nft')
      ? (inNs(name, 'nft', 'list', 'table', 'ip', 'fixed_ip_nat').match(/masquerade/g) ?? []).length
      : (inNs(name, 'iptables', '-t', 'nat', '-S').match(/MASQUERADE/g) ?? []).length;

  itNeeds(
    skip,
    "forwards the private subnet only through the stack's interface, seen as its address, never the primary's",
    async () => {
      await buildVpc();
      // Before the script: nothing gets through (so the test can fail).
      expect(connectFromPrivate()).toBeNull();

      configure(ns.nat);
      configure(ns.nat); // idempotent
      expect(masqueradeRules(ns.nat)).toBe(1);
      expect(inNs(ns.nat, 'ip', 'rule', 'show', 'priority', '1066').trim().split('\n')).toHaveLength(1);
      expect(inNs(ns.nat, 'sysctl', '-n', 'net.ipv4.ip_forward').trim()).toBe('1');
      expect(connectFromPrivate()).toBe('10.66.0.10');

      // Fail closed: without table 1066's route, forwarding would take the main table's default
      // route, out of the primary. Even with the internet able to answer the private subnet
      // directly, nothing gets through.
      ipIn(ns.nat, 'route', 'del', 'default', 'table', '1066');
      ipIn(ns.internet, 'route', 'add', '10.66.1.0/24', 'via', '192.0.2.1');
      expect(connectFromPrivate()).toBeNull();
      // ... and that is the forward filter's doing: without it, the traffic leaks out of the primary.
      if (has('nft')) inNs(ns.nat, 'nft', 'delete', 'chain', 'ip', 'fixed_ip_nat', 'forward');
      else {
        inNs(ns.nat, 'iptables', '-D', 'FORWARD', '-j', 'FIXED_IP_NAT_FORWARD');
        inNs(ns.nat, 'iptables', '-P', 'FORWARD', 'ACCEPT');
      }
      expect(connectFromPrivate()).toBe('10.66.1.2');
      ipIn(ns.internet, 'route', 'del', '10.66.1.0/24', 'via', '192.0.2.1');

      configure(ns.nat); // puts it all back
      expect(connectFromPrivate()).toBe('10.66.0.10');
    },
    40_000,
  );

  itNeeds(
    skip,
    'follows the interface to another instance, and back',
    () => {
      if (!built) throw new Error('the VPC was not built (the test before failed)');
      // Detach from the first instance, attach to the second; amazon-ec2-net-utils gives it its address.
      ipIn(ns.nat, 'link', 'set', eni, 'netns', ns.nat2);
      ipIn(ns.nat2, 'addr', 'add', '10.66.0.10/24', 'dev', eni);
      ipIn(ns.nat2, 'link', 'set', eni, 'up');
      expect(connectFromPrivate()).toBeNull();
      configure(ns.nat2);
      expect(connectFromPrivate()).toBe('10.66.0.10');

      // Back to the first, whose rules still name the interface: re-running succeeds.
      ipIn(ns.nat2, 'link', 'set', eni, 'netns', ns.nat);
      ipIn(ns.nat, 'addr', 'add', '10.66.0.10/24', 'dev', eni);
      ipIn(ns.nat, 'link', 'set', eni, 'up');
      configure(ns.nat);
      expect(masqueradeRules(ns.nat)).toBe(1);
      expect(connectFromPrivate()).toBe('10.66.0.10');
    },
    30_000,
  );
});
