/** Which Amazon Linux 2023 image a NAT instance runs: the architecture follows the instance type. */

/** Graviton types (a `g` after the family's generation: t4g, c7g, m7gd) run arm64 images. */
export function architectureOf(type: string): 'arm64' | 'x86_64' {
  return /^[a-z]+\d+[a-z]*g[a-z]*\./.test(type) ? 'arm64' : 'x86_64';
}

/** AWS's public SSM parameter naming the newest image for the type's architecture. */
export const imageParameter = (type: string): string =>
  `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architectureOf(type)}`;
