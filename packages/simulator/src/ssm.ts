/**
 * SSM Parameter Store: the public parameters naming the latest Amazon Linux 2023 images (which
 * DescribeImages knows), and the account's own parameters, as fixed-ip's run guard uses them:
 * PutParameter (create only, or Overwrite; every write is a new Version), GetParameter and
 * DeleteParameter, with AWS's errors.
 */
import type { SimContext } from './context.js';
import { imagesOf } from './ec2/images.js';
import { ssmError } from './errors.js';
import type { ParameterRecord } from './model.js';

/** Standard tier: "a maximum parameter value of 4096 characters". */
const STANDARD_MAX_VALUE = 4096;
const TYPES: readonly string[] = ['String', 'StringList', 'SecureString'];
const NAME = /^\/?[a-zA-Z0-9_.\-/]{1,2048}$/;

function publicParameters(ctx: SimContext): Record<string, string> {
  return Object.fromEntries(imagesOf(ctx.state.region).map((image) => [image.ssmParameter, image.id]));
}

function toParameter(ctx: SimContext, name: string, value: string): object {
  return {
    Name: name,
    Type: 'String',
    Value: value,
    Version: 1,
    LastModifiedDate: new Date(Date.UTC(2025, 10, 17)),
    ARN: `arn:aws:ssm:${ctx.state.region}::parameter${name}`,
    DataType: 'aws:ec2:image',
  };
}

function ownParameter(ctx: SimContext, record: ParameterRecord): object {
  const path = record.name.startsWith('/') ? record.name : `/${record.name}`;
  return {
    Name: record.name,
    Type: record.type,
    Value: record.value,
    Version: record.version,
    LastModifiedDate: new Date(record.lastModified),
    ARN: `arn:aws:ssm:${ctx.state.region}:${ctx.state.accountId}:parameter${path}`,
    DataType: 'text',
  };
}

function validation(message: string): Error {
  return ssmError('ValidationException', message);
}

function checkName(name: string): void {
  if (!NAME.test(name))
    throw validation(
      `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`,
    );
  const bare = name.replace(/^\//, '').toLowerCase();
  if (name.toLowerCase().startsWith('/aws/'))
    throw ssmError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
  if (bare.startsWith('aws') || bare.startsWith('ssm'))
    throw validation(`Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive).`);
}

export const ssmOperations = {
  GetParameter(ctx: SimContext, input: { Name?: string }): object {
    const name = input.Name ?? '';
    const own = ctx.state.parameters[name];
    if (own) return { Parameter: ownParameter(ctx, own) };
    const value = publicParameters(ctx)[name];
    // AWS's ParameterNotFound carries no message of its own.
    if (value === undefined) throw ssmError('ParameterNotFound', '');
    return { Parameter: toParameter(ctx, name, value) };
  },

  GetParameters(ctx: SimContext, input: { Names?: string[] }): object {
    const all = publicParameters(ctx);
    const names = input.Names ?? [];
    return {
      Parameters: names.flatMap((name) => {
        const own = ctx.state.parameters[name];
        if (own) return [ownParameter(ctx, own)];
        return all[name] === undefined ? [] : [toParameter(ctx, name, all[name])];
      }),
      InvalidParameters: names.filter((name) => all[name] === undefined && !ctx.state.parameters[name]),
    };
  },

  /** Create only, unless Overwrite: then a new Version (the previous one + 1) of the same name. */
  PutParameter(
    ctx: SimContext,
    input: {
      Name?: string;
      Value?: string;
      Type?: string;
      Overwrite?: boolean;
      Tier?: string;
      Description?: string;
    },
  ): object {
    const name = input.Name ?? '';
    checkName(name);
    const value = input.Value ?? '';
    if (value.length === 0)
      throw validation(
        "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1.",
      );
    if (input.Type !== undefined && !TYPES.includes(input.Type))
      throw validation(
        `1 validation error detected: Value '${input.Type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
      );
    const tier = input.Tier === 'Advanced' ? 'Advanced' : 'Standard';
    if (tier === 'Standard' && value.length > STANDARD_MAX_VALUE)
      throw validation(
        'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.',
      );
    const current = ctx.state.parameters[name];
    if (current && input.Overwrite !== true)
      throw ssmError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    if (!current && input.Type === undefined)
      throw validation('A parameter type is required when you create a parameter.');
    const record: ParameterRecord = {
      name,
      type: (input.Type ?? current?.type ?? 'String') as ParameterRecord['type'],
      value,
      version: (current?.version ?? 0) + 1,
      lastModified: ctx.now,
      tier,
      ...(input.Description !== undefined
        ? { description: input.Description }
        : current?.description !== undefined
          ? { description: current.description }
          : {}),
    };
    ctx.state.parameters[name] = record;
    return { Version: record.version, Tier: record.tier };
  },

  DeleteParameter(ctx: SimContext, input: { Name?: string }): object {
    const name = input.Name ?? '';
    if (!ctx.state.parameters[name]) throw ssmError('ParameterNotFound', '');
    delete ctx.state.parameters[name];
    return {};
  },
};
