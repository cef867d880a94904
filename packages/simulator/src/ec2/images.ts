/**
 * The public images the simulator knows: Amazon Linux 2023 for arm64 and x86_64 in every region,
 * with ids that depend only on the region (a fixed catalogue, not part of the account), so SSM's
 * public parameters and DescribeImages agree.
 */
import type { Image } from '@aws-sdk/client-ec2';
import { createHash } from 'node:crypto';
import type { SimContext } from '../context.js';
import { ec2Error, Ec2ErrorCode } from '../errors.js';
import { applyFilters, type Ec2Filter } from '../filters.js';

export type Architecture = 'arm64' | 'x86_64';

export interface ImageView {
  id: string;
  name: string;
  architecture: Architecture;
  ssmParameter: string;
  tags: Record<string, string>;
}

/** Amazon's account that owns the Amazon Linux images. */
const AMAZON_OWNER_ID = '137112412989';
const AL2023_RELEASE = 'al2023-ami-2023.9.20251117.1-kernel-6.1';

function imageId(region: string, architecture: Architecture): string {
  const hex = createHash('sha256').update(`${region}/${architecture}`).digest('hex').slice(0, 17);
  return `ami-${hex}`;
}

export function imagesOf(region: string): ImageView[] {
  return (['arm64', 'x86_64'] as const).map((architecture) => ({
    id: imageId(region, architecture),
    name: `${AL2023_RELEASE}-${architecture}`,
    architecture,
    ssmParameter: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`,
    tags: {},
  }));
}

export function findImage(ctx: SimContext, id: string | undefined): ImageView {
  const image = imagesOf(ctx.state.region).find((i) => i.id === id);
  if (!image) throw ec2Error(Ec2ErrorCode.amiNotFound, `The image id '[${String(id)}]' does not exist`);
  return image;
}

function toImage(image: ImageView): Image {
  return {
    ImageId: image.id,
    Name: image.name,
    Description: `Amazon Linux 2023 AMI 2023.9.20251117.1 ${image.architecture} HVM kernel-6.1`,
    Architecture: image.architecture,
    ImageLocation: `amazon/${image.name}`,
    ImageOwnerAlias: 'amazon',
    OwnerId: AMAZON_OWNER_ID,
    Public: true,
    State: 'available',
    ImageType: 'machine',
    Hypervisor: 'xen',
    VirtualizationType: 'hvm',
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/xvda',
    EnaSupport: true,
    BootMode: image.architecture === 'arm64' ? 'uefi' : 'uefi-preferred',
    PlatformDetails: 'Linux/UNIX',
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: { VolumeSize: 8, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: false },
      },
    ],
    CreationDate: '2025-11-17T20:00:00.000Z',
    Tags: [],
  };
}

export const imageOperations = {
  DescribeImages(
    ctx: SimContext,
    input: { ImageIds?: string[]; Owners?: string[]; Filters?: Ec2Filter[] },
  ): object {
    let images = imagesOf(ctx.state.region);
    for (const id of input.ImageIds ?? []) findImage(ctx, id);
    if (input.ImageIds?.length) images = images.filter((i) => input.ImageIds?.includes(i.id));
    // Every image here is Amazon's: an Owners list without Amazon finds none of them.
    const amazonListed = input.Owners?.some((o) => o === 'amazon' || o === AMAZON_OWNER_ID);
    if (input.Owners?.length && !amazonListed) images = [];
    images = applyFilters(images, input.Filters, {
      'image-id': (i) => i.id,
      name: (i) => i.name,
      architecture: (i) => i.architecture,
      'owner-alias': () => 'amazon',
      'owner-id': () => AMAZON_OWNER_ID,
      state: () => 'available',
      'root-device-type': () => 'ebs',
      'virtualization-type': () => 'hvm',
      'is-public': () => true,
    });
    return { Images: images.map(toImage) };
  },
};
