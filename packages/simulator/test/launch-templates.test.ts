import { describe, expect, it } from 'vitest';
import { natLayout, userData } from './nat-layout.js';
import { client, expectAwsError } from './support.js';

describe('launch templates', () => {
  it('create (tagged, idempotent by ClientToken), versions, default version, describe by name, id and tag, delete', async () => {
    const { sim, ec2, eniId, imageId, natGroup } = await natLayout();
    const data = {
      ImageId: imageId,
      InstanceType: 't4g.nano',
      IamInstanceProfile: { Name: 'nat-profile' },
      NetworkInterfaces: [
        { DeviceIndex: 0, AssociatePublicIpAddress: true, Groups: [natGroup], DeleteOnTermination: true },
      ],
      MetadataOptions: { HttpTokens: 'required' },
      MaintenanceOptions: { AutoRecovery: 'default' },
      UserData: userData(eniId, true),
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] }],
    };
    const create = {
      LaunchTemplateName: 'fixed-ip-nat-demo',
      LaunchTemplateData: data,
      ClientToken: 'token-1',
      TagSpecifications: [
        { ResourceType: 'launch-template', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] },
      ],
    };
    const template = (await ec2('CreateLaunchTemplate', create)).LaunchTemplate;
    expect(template).toMatchObject({
      LaunchTemplateName: 'fixed-ip-nat-demo',
      DefaultVersionNumber: 1,
      LatestVersionNumber: 1,
      Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }],
    });
    expect(template.LaunchTemplateId).toMatch(/^lt-[0-9a-f]{17}$/);
    // The same token and request: the same template, nothing new.
    expect((await ec2('CreateLaunchTemplate', create)).LaunchTemplate.LaunchTemplateId).toBe(
      template.LaunchTemplateId,
    );
    expect(sim.calls.at(-1)?.mutated).toBe(false);
    await expectAwsError(
      ec2('CreateLaunchTemplate', { ...create, ClientToken: 'token-2' }),
      'InvalidLaunchTemplateName.AlreadyExistsException',
      'Launch template name already in use.',
    );
    const v2 = (
      await ec2('CreateLaunchTemplateVersion', {
        LaunchTemplateId: template.LaunchTemplateId,
        LaunchTemplateData: { ...data, InstanceType: 't4g.micro' },
      })
    ).LaunchTemplateVersion;
    expect(v2).toMatchObject({ VersionNumber: 2, DefaultVersion: false });
    await ec2('ModifyLaunchTemplate', { LaunchTemplateId: template.LaunchTemplateId, DefaultVersion: '2' });
    const byTag = (
      await ec2('DescribeLaunchTemplates', { Filters: [{ Name: 'tag:fixed-ip:stack', Values: ['demo'] }] })
    ).LaunchTemplates;
    expect(byTag).toEqual([expect.objectContaining({ DefaultVersionNumber: 2, LatestVersionNumber: 2 })]);
    expect(
      (await ec2('DescribeLaunchTemplates', { LaunchTemplateNames: ['fixed-ip-nat-demo'] })).LaunchTemplates,
    ).toHaveLength(1);
    const versions = (
      await ec2('DescribeLaunchTemplateVersions', {
        LaunchTemplateName: 'fixed-ip-nat-demo',
        Versions: ['$Default', '1'],
      })
    ).LaunchTemplateVersions;
    expect(
      versions.map((v: { VersionNumber: number; DefaultVersion: boolean }) => [
        v.VersionNumber,
        v.DefaultVersion,
      ]),
    ).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(versions[1].LaunchTemplateData).toEqual(data);
    await expectAwsError(
      ec2('DescribeLaunchTemplates', { LaunchTemplateIds: ['lt-0123456789abcdef0'] }),
      'InvalidLaunchTemplateId.NotFound',
      'The specified launch template, with template ID lt-0123456789abcdef0, does not exist.',
    );
    await expectAwsError(
      ec2('DescribeLaunchTemplates', { LaunchTemplateNames: ['nope'] }),
      'InvalidLaunchTemplateName.NotFoundException',
      'At least one of the launch templates specified in the request does not exist.',
    );
    await expectAwsError(
      ec2('ModifyLaunchTemplate', { LaunchTemplateId: template.LaunchTemplateId, DefaultVersion: '7' }),
      'InvalidLaunchTemplateId.VersionNotFound',
    );
    await ec2('DeleteLaunchTemplate', { LaunchTemplateName: 'fixed-ip-nat-demo' });
    expect((await ec2('DescribeLaunchTemplates')).LaunchTemplates).toEqual([]);
  });

  it('a caller scoped to its own templates’ tags may not change one it names by name only', async () => {
    const { sim, imageId } = await natLayout();
    const ec2 = client(sim, 'ec2');
    const id = (
      await ec2('CreateLaunchTemplate', {
        LaunchTemplateName: 'mine',
        LaunchTemplateData: { ImageId: imageId },
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'owner', Value: 'me' }] }],
      })
    ).LaunchTemplate.LaunchTemplateId;
    sim.useCallerPolicy({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'ec2:DeleteLaunchTemplate',
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/owner': 'me' } },
        },
      ],
    });
    await expectAwsError(
      ec2('DeleteLaunchTemplate', { LaunchTemplateName: 'mine' }),
      'UnauthorizedOperation',
    );
    await ec2('DeleteLaunchTemplate', { LaunchTemplateId: id });
  });
});
