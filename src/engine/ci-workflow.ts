/**
 * The check that runs without a human: a GitHub Actions workflow that, on a schedule, assumes a
 * role through GitHub's OIDC provider and runs `status --json --expect-ips` and `verify
 * --expect-ips`, writes a job summary (IPs, health, cost, what each zone's probe saw) and fails on
 * drift or a changed allowlist (its role's trust policy: ci-trust.ts). Pure: no AWS call, no file
 * (src/commands/ci.ts writes it).
 */
import { stringify } from 'yaml';
import { badOption } from '../errors.js';

/** Every six hours, at 17 past: GitHub delays runs at the top of the hour, when most are queued. */
export const DEFAULT_SCHEDULE = '17 */6 * * *';
export const DEFAULT_WORKFLOW_PATH = '.github/workflows/fixed-ip.yml';

export interface WorkflowSpec {
  stack: string;
  region: string;
  roleArn: string;
  expectIps: readonly string[];
  schedule: string;
  /** An s3:// state setting to pass as --state; undefined: the stack is found by its tags. */
  state?: string | undefined;
  /** The fixed-ip version the workflow installs (pinned: a new release never changes the check). */
  version: string;
  /** What `npm install --global` installs (default `fixed-ip@<version>`): a tarball URL, a git URL. */
  package?: string | undefined;
}

/** `--role-arn`: the role the workflow assumes. */
export function checkRoleArn(arn: string): string {
  if (!/^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(arn))
    throw badOption(
      `--role-arn "${arn}" is not an IAM role ARN`,
      'give the role the workflow assumes, e.g. --role-arn arn:aws:iam::123456789012:role/fixed-ip-ci',
    );
  return arn;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: 'JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC' },
  { name: 'day of week', min: 0, max: 6, names: 'SUN MON TUE WED THU FRI SAT' },
] as const;

/**
 * `--schedule`: POSIX cron as GitHub's `on.schedule` takes it (five fields: `*`, lists, ranges,
 * steps; month and weekday names). GitHub runs it in UTC, at most every 5 minutes.
 */
export function checkSchedule(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  const refuse = (why: string): never => {
    throw badOption(
      `--schedule "${cron}" is not a cron schedule GitHub runs: ${why}`,
      `give five fields (minute hour day month weekday, UTC), e.g. --schedule "${DEFAULT_SCHEDULE}"`,
    );
  };
  if (fields.length !== 5) refuse(`it has ${fields.length} fields, not 5`);
  for (const [index, field] of fields.entries()) {
    const spec = FIELDS[index];
    if (spec === undefined) continue;
    const names = 'names' in spec ? spec.names.split(' ') : [];
    const value = (text: string): number => {
      const named = names.indexOf(text.toUpperCase());
      if (named !== -1) return named + spec.min;
      if (!/^\d+$/.test(text)) return refuse(`"${text}" in the ${spec.name} field is not a number`);
      const n = Number(text);
      // Sunday is 0, and 7 as well.
      if (n < spec.min || n > (spec.name === 'day of week' ? 7 : spec.max))
        refuse(`${text} is outside the ${spec.name} field's ${spec.min}-${spec.max}`);
      return n;
    };
    for (const part of field.split(',')) {
      const [range = '', step, extra] = part.split('/');
      if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step)))
        refuse(`"${part}" in the ${spec.name} field has a bad step`);
      if (range === '*') continue;
      const [from = '', to, more] = range.split('-');
      if (more !== undefined) refuse(`"${range}" in the ${spec.name} field is not a range`);
      const low = value(from);
      if (to !== undefined && value(to) < low) refuse(`"${range}" in the ${spec.name} field runs backwards`);
    }
  }
  return fields.join(' ');
}

/** A word for a POSIX shell: as it is when it needs no quotes, else in single quotes. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The job summary of `status --json` (or its `{ error }` object), for jq. */
const STATUS_SUMMARY = String.raw`if .error then "**status failed** (exit \(.error.exitCode)): \(.error.message)\(if .error.hint then "; \(.error.hint)" else "" end)"
else
  "### fixed-ip stack \(.name) in \(.region)",
  "",
  "| | |",
  "| --- | --- |",
  "| Egress IPs | \(.elasticIps | join(", ")) |",
  "| Health | \(if .healthy then "healthy" elif .parked then "parked: only the Elastic IPs are kept" else "DRIFT" end) |",
  "| Allowlist | \(if .allowlist == null then "not stated" elif .allowlist.ok then "holds: \(.allowlist.expected | join(", "))" else "CHANGED: not allowlisted \(.allowlist.added | join(", ")); stated but unused \(.allowlist.missing | join(", "))" end) |",
  "| Cost | \(.monthlyCostUsd) USD a month; \(.costSoFarUsd) USD so far |",
  "",
  (.problems[] | "- \(.)")
end`;

/** The job summary of `verify --json` (or its `{ error }` object), for jq. */
const VERIFY_SUMMARY = String.raw`if .error then "**verify failed** (exit \(.error.exitCode)): \(.error.message)\(if .error.hint then "; \(.error.hint)" else "" end)"
else
  "### verify: \(if .ok then "every zone leaves from an allowlisted IP" else "NOT verified" end)",
  "",
  "| zone | IP seen from inside the VPC | outcome |",
  "| --- | --- | --- |",
  (.zones[] | "| \(.zone) | \(.publicIp // "none") | \(.outcome)\(if .detail then ": \(.detail)" else "" end) |")
end`;

/** Why the job fails, per command: its exit code in the words of docs/allowlist.md. */
const VERDICT = `fail=0
for pair in "status:$STATUS_EXIT" "verify:$VERIFY_EXIT"; do
  command="\${pair%%:*}"
  code="\${pair#*:}"
  case "$code" in
    0) ;;
    3) echo "::error title=fixed-ip $command::drift: the stack is not as setup left it (exit 3)"; fail=1 ;;
    8) echo "::error title=fixed-ip $command::the allowlist changed: traffic leaves from other IPs than stated (exit 8)"; fail=1 ;;
    *) echo "::error title=fixed-ip $command::failed (exit \${code:-none}); see its step and the job summary"; fail=1 ;;
  esac
done
exit "$fail"
`;

/** The workflow, as an object (what the YAML says). */
export function workflowObject(spec: WorkflowSpec): Record<string, unknown> {
  const flags = [
    '--name',
    spec.stack,
    '--region',
    spec.region,
    '--expect-ips',
    spec.expectIps.join(','),
    ...(spec.state === undefined ? [] : ['--state', spec.state]),
  ]
    .map(shellWord)
    .join(' ');
  // Each command's exit code is kept, so the summary is written whatever happened, then judged.
  const run = (command: 'status' | 'verify'): string =>
    [
      'set +e',
      `fixed-ip ${command} --json ${flags} > ${command}.json`,
      'echo "exit=$?" >> "$GITHUB_OUTPUT"',
      '',
    ].join('\n');
  const summary = (command: 'status' | 'verify'): string =>
    `if [ -s ${command}.json ]; then jq -r "$${command.toUpperCase()}_SUMMARY" ${command}.json; else echo "**${command} printed nothing** (see its step)"; fi >> "$GITHUB_STEP_SUMMARY"\n`;
  return {
    name: `fixed-ip: allowlist check of stack ${spec.stack}`,
    on: {
      schedule: [{ cron: spec.schedule }],
      workflow_dispatch: {},
    },
    // The OIDC token for AWS, and nothing else: the job never checks the repository out.
    permissions: { 'id-token': 'write', contents: 'read' },
    concurrency: { group: `fixed-ip-check-${spec.stack}`, 'cancel-in-progress': false },
    jobs: {
      check: {
        name: `Egress IPs of ${spec.stack} (${spec.region})`,
        'runs-on': 'ubuntu-latest',
        // verify waits up to 5 minutes for its probes to start; a stuck run ends well before a second one.
        'timeout-minutes': 20,
        env: { NO_COLOR: '1' },
        steps: [
          { uses: 'actions/setup-node@v4', with: { 'node-version': 22 } },
          {
            name: `Install fixed-ip ${spec.version}`,
            run: `npm install --global ${shellWord(spec.package ?? `fixed-ip@${spec.version}`)}\n`,
          },
          {
            name: 'Assume the check role (GitHub OIDC)',
            uses: 'aws-actions/configure-aws-credentials@v4',
            with: {
              'role-to-assume': spec.roleArn,
              'aws-region': spec.region,
              'role-session-name': 'fixed-ip-check',
            },
          },
          { name: 'status: drift, health, cost and the allowlist', id: 'status', run: run('status') },
          {
            name: 'verify: the IP each zone leaves from, seen from inside the VPC',
            id: 'verify',
            run: run('verify'),
          },
          {
            name: 'Job summary',
            if: 'always()',
            env: { STATUS_SUMMARY, VERIFY_SUMMARY },
            run: summary('status') + summary('verify'),
          },
          {
            name: 'Fail on drift or a changed allowlist',
            if: 'always()',
            env: {
              STATUS_EXIT: '${{ steps.status.outputs.exit }}',
              VERIFY_EXIT: '${{ steps.verify.outputs.exit }}',
            },
            run: VERDICT,
          },
        ],
      },
    },
  };
}

/** The workflow file's text. */
export function workflowYaml(spec: WorkflowSpec): string {
  const header = [
    `# Written by \`fixed-ip ci github\` (fixed-ip ${spec.version}): the allowlist check of stack ${spec.stack}.`,
    '# Fails when the stack drifts (exit 3) or traffic leaves from other IPs than stated (exit 8).',
    '# The role it assumes: fixed-ip iam-policy --for ci --repo OWNER/NAME. See docs/allowlist.md.',
  ].join('\n');
  return `${header}\n${stringify(workflowObject(spec), { lineWidth: 0 })}`;
}
