/**
 * A stack as Terraform JSON configuration (`*.tf.json`): a resource and an `import` block (Terraform
 * 1.5+) per stack-owned resource, with the import ids the AWS provider documents; what fixed-ip
 * only reused as data sources; the Elastic IPs with `prevent_destroy`; the workloads' network
 * settings as a local for the user's own function definitions.
 */
import { exportedTags } from '../model/iac.js';
import { mapValue, snakeName, type StackExport } from './iac.js';

/** The provider release whose schema the files are checked against (the first with regional NAT). */
export const AWS_PROVIDER_VERSION = '>= 6.25.0';

export interface TerraformFiles {
  /** File name -> JSON text. */
  files: Record<string, string>;
  /** Each import: the resource address and the id. */
  imports: Array<{ to: string; id: string }>;
}

export function terraformFiles(stack: StackExport): TerraformFiles {
  const prefix = snakeName(stack.stack);
  const addressOf = new Map<string, string>();
  const names = new Set<string>();
  const unique = (base: string): string => {
    let name = base;
    for (let n = 2; names.has(name); n++) name = `${base}_${n}`;
    names.add(name);
    return name;
  };
  const data: Record<string, Record<string, unknown>> = {};
  for (const { node, reused } of stack.reused) {
    const name = unique(snakeName(prefix, node.kind, node.zone));
    addressOf.set(reused.id, `data.${reused.terraform.type}.${name}.id`);
    (data[reused.terraform.type] ??= {})[name] = mapValue(reused.terraform.attributes, (id) => id);
  }
  const named = stack.resources.map(({ node, resource }) => {
    const name = unique(snakeName(prefix, node.kind, resource.part, node.zone));
    addressOf.set(
      resource.id,
      `${resource.terraform.type}.${name}.${resource.terraform.refAttribute ?? 'id'}`,
    );
    return { name, resource };
  });
  const reference = (id: string): string => {
    const address = addressOf.get(id);
    return address === undefined ? id : `\${${address}}`;
  };
  const resources: Record<string, Record<string, unknown>> = {};
  const imports: TerraformFiles['imports'] = [];
  for (const { name, resource } of named) {
    const { type, attributes, importId } = resource.terraform;
    const tags = resource.tags === undefined ? undefined : exportedTags(resource.tags, resource.keepTags);
    (resources[type] ??= {})[name] = {
      ...(mapValue(attributes, reference) as object),
      ...(tags === undefined || tags.length === 0
        ? {}
        : { tags: Object.fromEntries(tags.map((t) => [t.Key, t.Value])) }),
      ...lifecycle(resource),
    };
    imports.push({ to: `${type}.${name}`, id: importId });
  }
  const snippet = stack.snippet;
  const local = `${prefix}_vpc_config`;
  const main = {
    '//': `fixed-ip stack ${stack.stack} (${stack.natMode}, ${stack.zones.join(', ')}) in ${stack.region}, account ${stack.accountId}: read from AWS for import. Nothing here is created: terraform plan must show only imports and fixed-ip's own tags going.`,
    ...(Object.keys(data).length > 0 ? { data } : {}),
    resource: resources,
    import: imports,
    ...(snippet
      ? {
          locals: {
            [local]: {
              subnet_ids: snippet.subnetIds.map(reference),
              security_group_ids: snippet.securityGroupIds.map(reference),
            },
          },
          output: {
            [`${prefix}_elastic_ips`]: {
              description: `The IPs stack ${stack.stack}'s workloads leave from (the allowlist)`,
              value: named
                .filter(({ resource }) => resource.terraform.type === 'aws_eip')
                .map(({ name }) => `\${aws_eip.${name}.public_ip}`),
            },
          },
        }
      : {}),
  };
  const versions = {
    terraform: {
      required_version: '>= 1.5.0',
      required_providers: { aws: { source: 'hashicorp/aws', version: AWS_PROVIDER_VERSION } },
    },
  };
  return {
    files: {
      [`fixed-ip-${stack.stack}.tf.json`]: `${JSON.stringify(main, null, 2)}\n`,
      [`fixed-ip-${stack.stack}.versions.tf.json`]: `${JSON.stringify(versions, null, 2)}\n`,
    },
    imports,
  };
}

function lifecycle(resource: StackExport['resources'][number]['resource']): object {
  const rules = {
    ...(resource.keep === true ? { prevent_destroy: true } : {}),
    ...(resource.terraform.ignoreChanges ? { ignore_changes: [...resource.terraform.ignoreChanges] } : {}),
  };
  return Object.keys(rules).length > 0 ? { lifecycle: rules } : {};
}

/** For the hand-over text: the `vpc_config` block a function definition takes. */
export function terraformSnippet(stack: StackExport): string | undefined {
  if (!stack.snippet) return undefined;
  const local = `${snakeName(stack.stack)}_vpc_config`;
  return [
    `vpc_config {`,
    `  subnet_ids         = local.${local}.subnet_ids`,
    `  security_group_ids = local.${local}.security_group_ids`,
    `}`,
  ].join('\n');
}
