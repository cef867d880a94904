/**
 * The NAT instance's user data is a real script: shellcheck-clean, and its forwarding and
 * masquerade rules work. The namespace test wires three network namespaces on this machine
 * ("private" 10.66.1.0/24 -> "NAT" -> "internet" 192.0.2.0/24, which has no route back to the
 * private block) and shows that a TCP connection from the private side reaches the internet side,
 * which sees the NAT side's address, only once the script's rules run. It needs root, iproute2,
 * nft or iptables and python3. Where one is missing the test skips, with the reason in its name;
 * in CI (CI=true), where .ci/run installs them, a missing tool fails it instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { userData } from '../../src/kinds/nat-instance.js';

const SCRIPT = fileURLToPath(new URL('../../src/kinds/nat-instance/user-data.sh', import.meta.url));

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

const has = (command: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

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

describe('NAT instance user data', () => {
  it('is the shipped script, run by bash', () => {
    const script = userData();
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain('/etc/sysctl.d/');
    expect(script).toContain('WantedBy=multi-user.target');
    expect(script).toContain('--rules-only');
  });

  const shellcheckMissing = has('shellcheck')
    ? undefined
    : 'shellcheck is not installed (apt-get install -y shellcheck)';
  itNeeds(shellcheckMissing, 'is shellcheck-clean', () => {
    const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', SCRIPT], {
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses an unknown argument with a clear line and exit 2', () => {
    const result = spawnSync('bash', [SCRIPT, '--nope'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown argument: --nope/);
  });

  const skip = namespaceSkipReason();
  const id = `${process.pid}`.slice(-5);
  const ns = { private: `fip-priv-${id}`, nat: `fip-nat-${id}`, internet: `fip-inet-${id}` };
  const run = (...args: string[]) => {
    const result = spawnSync(args[0] ?? '', args.slice(1), { encoding: 'utf8', timeout: 20_000 });
    if (result.status !== 0)
      throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr.trim()}`);
    return result.stdout;
  };
  const inNs = (name: string, ...args: string[]) => run('ip', 'netns', 'exec', name, ...args);

  afterAll(() => {
    if (skip) return;
    for (const name of Object.values(ns)) spawnSync('ip', ['netns', 'del', name]);
  });

  /** A one-shot TCP server in the internet namespace that answers with the peer's address, then exits. */
  function echoPeerOnce(): Promise<void> {
    const server = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns.internet,
        'timeout',
        '30',
        'python3',
        '-c',
        [
          'import socket, sys',
          's = socket.socket()',
          's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
          "s.bind(('192.0.2.2', 8080)); s.listen(1); s.settimeout(25)",
          "print('ready', flush=True)",
          'c, peer = s.accept(); c.sendall(peer[0].encode()); c.close()',
        ].join('\n'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return new Promise((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      server.on('exit', (code) =>
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
        '10',
        'python3',
        '-c',
        [
          'import socket',
          "s = socket.create_connection(('192.0.2.2', 8080), timeout=3)",
          'print(s.recv(64).decode())',
        ].join('\n'),
      ],
      { encoding: 'utf8', timeout: 15_000 },
    );
    return result.status === 0 ? result.stdout.trim() : null;
  }

  itNeeds(
    skip,
    "masquerades the private side behind the NAT side's address (network namespaces)",
    async () => {
      for (const name of Object.values(ns)) run('ip', 'netns', 'add', name);
      run(
        'ip',
        'link',
        'add',
        `fp${id}`,
        'netns',
        ns.private,
        'type',
        'veth',
        'peer',
        'name',
        `fn${id}`,
        'netns',
        ns.nat,
      );
      run(
        'ip',
        'link',
        'add',
        `fo${id}`,
        'netns',
        ns.nat,
        'type',
        'veth',
        'peer',
        'name',
        `fi${id}`,
        'netns',
        ns.internet,
      );
      inNs(ns.private, 'ip', 'addr', 'add', '10.66.1.2/24', 'dev', `fp${id}`);
      inNs(ns.nat, 'ip', 'addr', 'add', '10.66.1.1/24', 'dev', `fn${id}`);
      inNs(ns.nat, 'ip', 'addr', 'add', '192.0.2.1/24', 'dev', `fo${id}`);
      inNs(ns.internet, 'ip', 'addr', 'add', '192.0.2.2/24', 'dev', `fi${id}`);
      for (const [name, dev] of [
        [ns.private, `fp${id}`],
        [ns.nat, `fn${id}`],
        [ns.nat, `fo${id}`],
        [ns.internet, `fi${id}`],
      ] as const) {
        inNs(name, 'ip', 'link', 'set', 'lo', 'up');
        inNs(name, 'ip', 'link', 'set', dev, 'up');
      }
      inNs(ns.private, 'ip', 'route', 'add', 'default', 'via', '10.66.1.1');
      // The NAT's default route says which interface is the way out; the internet side has no
      // route back to 10.66.1.0/24, so only a masqueraded connection can be answered.
      inNs(ns.nat, 'ip', 'route', 'add', 'default', 'via', '192.0.2.2');
      inNs(ns.nat, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0');

      // Before the script: forwarding is off, nothing gets through (the test can fail).
      const early = echoPeerOnce();
      await early;
      expect(connectFromPrivate()).toBeNull();
      // Release the first server: connect from the internet side itself.
      inNs(
        ns.internet,
        'python3',
        '-c',
        "import socket; socket.create_connection(('192.0.2.2', 8080), timeout=3).recv(64)",
      );

      // The script's rule-setting part, twice (it must be idempotent).
      inNs(ns.nat, 'bash', SCRIPT, '--rules-only');
      inNs(ns.nat, 'bash', SCRIPT, '--rules-only');
      expect(inNs(ns.nat, 'sysctl', '-n', 'net.ipv4.ip_forward').trim()).toBe('1');
      if (has('nft')) expect(inNs(ns.nat, 'nft', 'list', 'ruleset').match(/masquerade/g)).toHaveLength(1);

      await echoPeerOnce();
      expect(connectFromPrivate()).toBe('192.0.2.1');
    },
    60_000,
  );
});
