/**
 * A stack as a CloudFormation template for an IMPORT change set: every stack-owned resource with
 * `DeletionPolicy` and `UpdateReplacePolicy` Retain (deleting the stack or replacing a resource never
 * takes the IP), the `resources-to-import` list that `create-change-set --change-set-type IMPORT`
 * takes, what fixed-ip only reused as parameters, and the workloads' network settings as outputs to
 * add once the import is done (an import may not add outputs).
 */
import { exportedTags } from '../model/iac.js';
import { mapValue, pascalName, type StackExport } from './iac.js';

export interface ResourceToImport {
  ResourceType: string;
  LogicalResourceId: string;
  ResourceIdentifier: Record<string, string>;
}

export interface CloudFormationFiles {
  files: Record<string, string>;
  template: CloudFormationTemplate;
  toImport: ResourceToImport[];
  parameters: Array<{ ParameterKey: string; ParameterValue: string }>;
  /** The stack name the commands use. */
  stackName: string;
}

export interface CloudFormationTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Parameters?: Record<string, { Type: string; Description: string; Default: string }>;
  Resources: Record<
    string,
    {
      Type: string;
      DeletionPolicy: 'Retain';
      UpdateReplacePolicy: 'Retain';
      Properties: Record<string, unknown>;
    }
  >;
}

export function cloudFormationFiles(stack: StackExport): CloudFormationFiles {
  const refOf = new Map<string, unknown>();
  const names = new Set<string>();
  const unique = (base: string): string => {
    let name = base;
    for (let n = 2; names.has(name); n++) name = `${base}${n}`;
    names.add(name);
    return name;
  };
  const parameters: NonNullable<CloudFormationTemplate['Parameters']> = {};
  const values: CloudFormationFiles['parameters'] = [];
  for (const { node, reused } of stack.reused) {
    const name = unique(pascalName(node.kind, node.zone, 'Id'));
    parameters[name] = {
      Type: reused.cloudformation.parameterType,
      Description: `${reused.title}: reused by fixed-ip, not imported (it stays yours as it was)`,
      Default: reused.id,
    };
    values.push({ ParameterKey: name, ParameterValue: reused.id });
    refOf.set(reused.id, { Ref: name });
  }
  const named = stack.resources.flatMap(({ node, resource }) => {
    const code = resource.cloudformation;
    if (!code) return [];
    const name = unique(pascalName(node.kind, resource.part, node.zone));
    refOf.set(
      resource.id,
      code.refAttribute === undefined ? { Ref: name } : { 'Fn::GetAtt': [name, code.refAttribute] },
    );
    return [{ name, resource, code }];
  });
  const reference = (id: string): unknown => refOf.get(id) ?? id;
  const resources: CloudFormationTemplate['Resources'] = {};
  const toImport: ResourceToImport[] = [];
  for (const { name, resource, code } of named) {
    const { type, properties, identifier } = code;
    const tags =
      resource.tags === undefined || code.untagged === true
        ? undefined
        : exportedTags(resource.tags, resource.keepTags);
    resources[name] = {
      Type: type,
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        ...(mapValue(properties, reference) as Record<string, unknown>),
        ...(tags === undefined || tags.length === 0 ? {} : { Tags: tags }),
      },
    };
    toImport.push({ ResourceType: type, LogicalResourceId: name, ResourceIdentifier: { ...identifier } });
  }
  const template: CloudFormationTemplate = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `fixed-ip stack ${stack.stack} (${stack.natMode}, ${stack.zones.join(', ')}) in ${stack.region}: read from AWS for import; every resource is retained`,
    ...(Object.keys(parameters).length > 0 ? { Parameters: parameters } : {}),
    Resources: resources,
  };
  const snippet = stack.snippet;
  // An import may not add outputs: they go in with the first update after it.
  const outputs = snippet
    ? {
        Outputs: {
          PrivateSubnetIds: {
            Description: `The private subnets of stack ${stack.stack}, for your functions' VpcConfig.SubnetIds`,
            Value: { 'Fn::Join': [',', snippet.subnetIds.map(reference)] },
          },
          SecurityGroupIds: {
            Description: `The security group of stack ${stack.stack}, for your functions' VpcConfig.SecurityGroupIds`,
            Value: { 'Fn::Join': [',', snippet.securityGroupIds.map(reference)] },
          },
        },
        VpcConfig: {
          SubnetIds: snippet.subnetIds.map(reference),
          SecurityGroupIds: snippet.securityGroupIds.map(reference),
        },
      }
    : undefined;
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  return {
    files: {
      'template.json': json(template),
      'resources-to-import.json': json(toImport),
      ...(values.length > 0 ? { 'parameters.json': json(values) } : {}),
      ...(outputs ? { 'after-import.json': json(outputs) } : {}),
    },
    template,
    toImport,
    parameters: values,
    stackName: `fixed-ip-${stack.stack}`,
  };
}

/** The commands that import the template as a new CloudFormation stack, in order. */
export function cloudFormationCommands(files: CloudFormationFiles, region: string): string[] {
  const common = `--stack-name ${files.stackName} --region ${region}`;
  return [
    `aws cloudformation create-change-set ${common} --change-set-name import-from-fixed-ip --change-set-type IMPORT --template-body file://template.json --resources-to-import file://resources-to-import.json${files.parameters.length > 0 ? ' --parameters file://parameters.json' : ''}`,
    `aws cloudformation wait change-set-create-complete ${common} --change-set-name import-from-fixed-ip`,
    `aws cloudformation describe-change-set ${common} --change-set-name import-from-fixed-ip --query 'Changes[].ResourceChange.[Action,LogicalResourceId,PhysicalResourceId]' --output table`,
    `aws cloudformation execute-change-set ${common} --change-set-name import-from-fixed-ip`,
    `aws cloudformation wait stack-import-complete ${common}`,
  ];
}
