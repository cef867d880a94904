/**
 * SSM, as far as a NAT instance needs it: the public parameters naming the latest Amazon Linux
 * 2023 images, which DescribeImages knows.
 */
import type { SimContext } from './context.js';
import { imagesOf } from './ec2/images.js';
import { ssmError } from './errors.js';

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

export const ssmOperations = {
  GetParameter(ctx: SimContext, input: { Name?: string }): object {
    const name = input.Name ?? '';
    const value = publicParameters(ctx)[name];
    // AWS's ParameterNotFound carries no message of its own.
    if (value === undefined) throw ssmError('ParameterNotFound', '');
    return { Parameter: toParameter(ctx, name, value) };
  },

  GetParameters(ctx: SimContext, input: { Names?: string[] }): object {
    const all = publicParameters(ctx);
    const names = input.Names ?? [];
    return {
      Parameters: names.flatMap((name) =>
        all[name] === undefined ? [] : [toParameter(ctx, name, all[name])],
      ),
      InvalidParameters: names.filter((name) => all[name] === undefined),
    };
  },
};
