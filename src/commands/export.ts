import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { FixedIpError } from '../errors.js';
import { gatherExport, type StackExport } from '../engine/iac.js';
import { cloudFormationCommands, cloudFormationFiles } from '../engine/iac-cloudformation.js';
import { terraformFiles, terraformSnippet } from '../engine/iac-terraform.js';
import { worldPartsFor } from '../engine/recipe.js';
import type { Deps } from '../model/context.js';
import { VPCS } from '../model/world.js';
import { inspect } from './status.js';
import type { StackOptions } from './stack.js';

export const EXPORT_FORMATS = ['terraform', 'cloudformation'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions extends StackOptions {
  format: ExportFormat;
  /** Where the files go (default: ./fixed-ip-<stack>-<format>). */
  out?: string | undefined;
  /** Export a stack with drift all the same (what is live is written). */
  force?: boolean | undefined;
  json?: boolean | undefined;
}

/** The stable `export --json` shape (README, "export"): fields may be added, none removed. */
export interface ExportReport {
  name: string;
  region: string;
  format: ExportFormat;
  directory: string;
  files: string[];
  /** Every stack-owned resource, once, with its live id: what the import takes over. */
  imports: Array<{ type: string; address: string; id: string }>;
  /** What fixed-ip only reused: data sources or parameters, never imported. */
  reused: Array<{ type: string; id: string }>;
  /** The commands to run next, in order. */
  commands: string[];
  /** Drift the export was forced past (empty unless --force). */
  drift: string[];
  notes: string[];
}

/**
 * `fixed-ip export`: the live stack as Terraform or CloudFormation files to import it, so a team can
 * move it to its own infrastructure as code without losing the IP. Read-only in AWS; writes files.
 */
export async function exportStack(options: ExportOptions, deps: Deps): Promise<ExportReport> {
  const { report, ctx } = await inspect(options, deps, (state) => [
    VPCS,
    ...worldPartsFor(
      [state.shape],
      Object.values(state.resources).map((r) => r.kind),
    ),
  ]);
  if (report.parked)
    throw new FixedIpError(
      'BAD_OPTION',
      `stack ${options.name} is parked: only its kept Elastic IPs are left`,
      {
        hint: `bring it back with fixed-ip setup --name ${options.name}, then export it`,
      },
    );
  if (!report.healthy && options.force !== true)
    throw new FixedIpError(
      'DRIFTED',
      `stack ${options.name} has drifted, so its files would not match what setup made: ${report.problems.join('; ')}`,
      {
        hint: `repair it with fixed-ip setup --name ${options.name}, or export what is live with --force`,
      },
    );
  const stack = await gatherExport(ctx, Object.values(ctx.state.resources));
  const directory = resolve(options.out ?? `fixed-ip-${options.name}-${options.format}`);
  const written = options.format === 'terraform' ? terraform(stack) : cloudformation(stack);
  const files = { ...written.files, 'HANDOVER.md': handover(stack, options.format, written.commands) };
  await writeNew(directory, files);
  const result: ExportReport = {
    name: options.name,
    region: stack.region,
    format: options.format,
    directory,
    files: Object.keys(files).map((file) => join(directory, file)),
    imports: written.imports,
    reused: stack.reused.map(({ reused }) =>
      options.format === 'terraform'
        ? { type: `data.${reused.terraform.type}`, id: reused.id }
        : { type: reused.cloudformation.parameterType, id: reused.id },
    ),
    commands: written.commands,
    drift: report.healthy ? [] : report.problems,
    notes: stack.notes,
  };
  if (options.json !== true) print(deps, result);
  return result;
}

interface Written {
  files: Record<string, string>;
  imports: ExportReport['imports'];
  commands: string[];
}

function terraform(stack: StackExport): Written {
  const out = terraformFiles(stack);
  return {
    files: out.files,
    imports: out.imports.map(({ to, id }) => ({ type: to.split('.')[0] ?? to, address: to, id })),
    commands: [
      'terraform init',
      `terraform plan   # ${out.imports.length} to import, 0 to add, 0 to destroy; only fixed-ip:* tags change`,
      'terraform apply',
      `fixed-ip forget --name ${stack.stack} --region ${stack.region}`,
    ],
  };
}

function cloudformation(stack: StackExport): Written {
  const out = cloudFormationFiles(stack);
  return {
    files: out.files,
    imports: out.toImport.map((r) => ({
      type: r.ResourceType,
      address: r.LogicalResourceId,
      id: Object.values(r.ResourceIdentifier).join('|'),
    })),
    commands: [
      ...cloudFormationCommands(out, stack.region),
      `fixed-ip forget --name ${stack.stack} --region ${stack.region}`,
    ],
  };
}

/** The hand-over, step by step, written next to the files. */
function handover(stack: StackExport, format: ExportFormat, commands: readonly string[]): string {
  const snippet =
    format === 'terraform'
      ? terraformSnippet(stack)
      : stack.snippet &&
        'after-import.json holds the Outputs to add with your first update after the import (an import may not add outputs), and the VpcConfig your functions take.';
  return [
    `# Handing fixed-ip stack ${stack.stack} over to ${format === 'terraform' ? 'Terraform' : 'CloudFormation'}`,
    '',
    `Read from AWS (${stack.region}, account ${stack.accountId}): ${stack.natMode}, ${stack.zones.join(', ')}.`,
    'Every resource the stack made is imported, none is created or replaced, and the Elastic IPs are protected',
    format === 'terraform'
      ? '(`prevent_destroy`). Your VPC and anything else fixed-ip only reused are data sources.'
      : '(every resource has `DeletionPolicy` and `UpdateReplacePolicy` Retain). What fixed-ip only reused is a parameter.',
    "fixed-ip's own tags (`fixed-ip:*`) are left out, as `fixed-ip forget` removes them once the import is done (a NAT instance interface keeps `fixed-ip:stack`: its instance's role moves it by that tag).",
    '',
    '## Steps',
    '',
    ...commands.map((command, i) => `${i + 1}. \`${command}\``),
    '',
    'Until `fixed-ip forget` runs, fixed-ip still holds the stack: do not run `fixed-ip teardown` for it.',
    ...(stack.snippet
      ? [
          '',
          `## Your workloads (${stack.snippet.names.join(', ') || 'none attached'})`,
          '',
          "They are not exported: keep them in your own definitions (a function's vpc_config, an ECS service's awsvpc network with assignPublicIp DISABLED), with the network settings below.",
          '',
          ...(format === 'terraform' ? ['```hcl', snippet ?? '', '```'] : [snippet ?? '']),
        ]
      : []),
    ...(stack.notes.length > 0 ? ['', '## Notes', '', ...stack.notes.map((note) => `- ${note}`)] : []),
    '',
  ].join('\n');
}

/** Writes each file, refusing before the first one if any already exists (nothing of yours is overwritten). */
async function writeNew(directory: string, files: Record<string, string>): Promise<void> {
  for (const name of Object.keys(files)) {
    const exists = await stat(join(directory, name)).then(
      () => true,
      () => false,
    );
    if (exists)
      throw new FixedIpError('BAD_OPTION', `${join(directory, name)} already exists`, {
        hint: 'choose another directory with --out, or move the old files away; nothing was written',
      });
  }
  await mkdir(directory, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFileAtomic(join(directory, name), text);
}

function print(deps: Deps, report: ExportReport): void {
  const { ui } = deps;
  for (const problem of report.drift) ui.notify({ level: 'warn', code: 'export.drift', text: problem });
  ui.result(`Wrote ${report.files.length} files to ${report.directory}:`);
  for (const file of report.files) ui.result(`  ${file}`);
  ui.result(
    `${report.imports.length} resources to import${report.reused.length > 0 ? `; ${report.reused.length} reused, referred to only` : ''}. Next:`,
  );
  for (const command of report.commands) ui.result(`  ${command}`);
}
