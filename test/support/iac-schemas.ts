/**
 * The providers' own published schemas, to check exported files against: CloudFormation's resource
 * specification as AWS CDK publishes it (`@aws-cdk/aws-service-spec`), and the Terraform AWS
 * provider's schema as `@cdktf/provider-aws` ships it (one config interface per resource and data
 * source, generated from the provider's schema, each argument linked to its registry anchor).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';

type SpecDb = Awaited<ReturnType<typeof loadAwsServiceSpec>>;
let db: SpecDb | undefined;

interface SpecType {
  type: string;
  element?: SpecType;
  reference?: { $ref: string };
  types?: SpecType[];
}
interface SpecProperty {
  type: SpecType;
  required?: boolean;
}

/** Every problem the CloudFormation specification finds in a template and its import list. */
export async function checkCloudFormation(
  template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> },
  toImport: ReadonlyArray<{
    ResourceType: string;
    LogicalResourceId: string;
    ResourceIdentifier: Record<string, string>;
  }>,
): Promise<string[]> {
  db ??= await loadAwsServiceSpec();
  const spec = db;
  const problems: string[] = [];
  const resourceOf = (type: string) => spec.lookup('resource', 'cloudFormationType', 'equals', type)[0];
  const checkObject = (where: string, value: unknown, properties: Record<string, SpecProperty>): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${where}: expected an object`);
      return;
    }
    for (const [name, property] of Object.entries(properties))
      if (property.required === true && !(name in value))
        problems.push(`${where}: required ${name} is missing`);
    for (const [name, inner] of Object.entries(value)) {
      const property = properties[name];
      if (!property) problems.push(`${where}: ${name} is not a property of it`);
      else checkValue(`${where}.${name}`, inner, property.type);
    }
  };
  const checkValue = (where: string, value: unknown, type: SpecType): void => {
    // An intrinsic function (Ref, Fn::GetAtt, Fn::Join) stands for a value of any type.
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) return;
    }
    if (type.type === 'array' && type.element) {
      if (!Array.isArray(value)) problems.push(`${where}: expected a list`);
      else value.forEach((item, i) => checkValue(`${where}[${i}]`, item, type.element as SpecType));
    } else if (type.type === 'ref' && type.reference) {
      const definition = spec.get('typeDefinition', type.reference.$ref) as unknown as {
        properties: Record<string, SpecProperty>;
      };
      checkObject(where, value, definition.properties);
    } else if (type.type === 'string' && typeof value !== 'string')
      problems.push(`${where}: expected a string`);
    else if (type.type === 'boolean' && typeof value !== 'boolean')
      problems.push(`${where}: expected a boolean`);
    else if (type.type === 'integer' && !Number.isInteger(value))
      problems.push(`${where}: expected an integer`);
  };
  for (const [logical, resource] of Object.entries(template.Resources)) {
    const spec = resourceOf(resource.Type);
    if (!spec) {
      problems.push(`${logical}: ${resource.Type} is not a CloudFormation resource type`);
      continue;
    }
    checkObject(`${logical} (${resource.Type})`, resource.Properties ?? {}, spec.properties);
  }
  for (const item of toImport) {
    const spec = resourceOf(item.ResourceType);
    const resource = template.Resources[item.LogicalResourceId];
    if (!resource || resource.Type !== item.ResourceType)
      problems.push(`import ${item.LogicalResourceId}: no such ${item.ResourceType} in the template`);
    const keys = Object.keys(item.ResourceIdentifier).sort();
    const primary = [...(spec?.primaryIdentifier ?? [])].sort();
    if (JSON.stringify(keys) !== JSON.stringify(primary))
      problems.push(
        `import ${item.LogicalResourceId}: identifier ${keys.join(',')} is not ${primary.join(',')}`,
      );
    for (const [key, value] of Object.entries(item.ResourceIdentifier))
      if (!value) problems.push(`import ${item.LogicalResourceId}: ${key} is empty`);
  }
  return problems;
}

interface TfArgument {
  required: boolean;
  /** The interface of a nested block, when it is one. */
  block?: string;
}

const require = createRequire(import.meta.url);
const providerLib = join(dirname(require.resolve('@cdktf/provider-aws/package.json')), 'lib');
const parsed = new Map<string, string>();

/** A type's declaration file in the provider package: `aws_nat_gateway` -> lib/nat-gateway. */
function declarations(type: string, data: boolean): string {
  const dir = `${data ? 'data-aws-' : ''}${type.replace(/^aws_/, '').replace(/_/g, '-')}`;
  const key = `${data}:${type}`;
  let text = parsed.get(key);
  if (text === undefined) {
    text = readFileSync(join(providerLib, dir, 'index.d.ts'), 'utf8');
    parsed.set(key, text);
  }
  return text;
}

/** The arguments of one interface of a declaration file, by their Terraform names. */
function argumentsOf(text: string, name: string): Map<string, TfArgument> | undefined {
  const start = text.search(new RegExp(`export interface ${name}( extends [^{]+)? \\{`));
  if (start < 0) return undefined;
  const body = text.slice(start, text.indexOf('\n}', start));
  const args = new Map<string, TfArgument>();
  const pattern = /#([a-z0-9_]+) [A-Za-z0-9]+#[a-z0-9_]+\}[\s\S]*?\*\/\s*readonly \w+(\?)?: ([^;\n]+)/g;
  for (const match of body.matchAll(pattern)) {
    const [, argument = '', optional, typeText = ''] = match;
    const block = /^([A-Z]\w+)(\[\])?( \| cdktf\.IResolvable)?$/.exec(typeText.trim())?.[1];
    args.set(argument, { required: optional === undefined, ...(block ? { block } : {}) });
  }
  return args;
}

const META = new Set(['lifecycle', 'depends_on', 'provider', 'count', 'for_each']);

/** Every problem the AWS provider's schema finds in a Terraform JSON configuration. */
export function checkTerraform(config: {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  import?: ReadonlyArray<{ to: string; id: string }>;
}): string[] {
  const problems: string[] = [];
  const checkBlock = (where: string, value: unknown, text: string, iface: string): void => {
    const args = argumentsOf(text, iface);
    if (!args) {
      problems.push(`${where}: no schema ${iface}`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${where}: expected a block`);
      return;
    }
    for (const [name, arg] of args)
      if (arg.required && !(name in value)) problems.push(`${where}: required ${name} is missing`);
    for (const [name, inner] of Object.entries(value)) {
      if (META.has(name) && iface.endsWith('Config')) continue;
      const arg = args.get(name);
      if (!arg) problems.push(`${where}: ${name} is not an argument of it`);
      else if (arg.block) {
        const items = Array.isArray(inner) ? inner : [inner];
        items.forEach((item, i) => checkBlock(`${where}.${name}[${i}]`, item, text, arg.block ?? ''));
      }
    }
  };
  const configName = (text: string): string =>
    /export interface (\w+Config) extends cdktf\.TerraformMetaArguments/.exec(text)?.[1] ?? '';
  for (const [kind, data] of [
    ['resource', false],
    ['data', true],
  ] as const) {
    for (const [type, blocks] of Object.entries(config[kind] ?? {})) {
      let text: string;
      try {
        text = declarations(type, data);
      } catch {
        problems.push(`${kind} ${type} is not a type of the AWS provider`);
        continue;
      }
      for (const [name, block] of Object.entries(blocks))
        checkBlock(`${kind}.${type}.${name}`, block, text, configName(text));
    }
  }
  for (const item of config.import ?? []) {
    const [type = '', name = ''] = item.to.split('.');
    if (!config.resource?.[type]?.[name]) problems.push(`import to ${item.to}: no such resource`);
    if (!item.id) problems.push(`import to ${item.to}: empty id`);
  }
  return problems;
}
