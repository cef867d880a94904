/**
 * Launch templates, as far as an Auto Scaling group of one needs them: named, versioned (each new
 * version numbered after the latest, one of them the default), tagged at creation, found by id,
 * name or tag, and deleted. What AWS enforces and this models: a name is 3-128 characters of
 * `[a-zA-Z0-9().\-/_]` and unique in the region; an unknown id or name is NotFound (with AWS's two
 * different codes); a ClientToken makes CreateLaunchTemplate idempotent; the default version must
 * exist; a version made from a SourceVersion inherits its data, with the given parameters over it.
 * AWS validates the template's data only when something launches from it, or a group is given it
 * (autoscaling.ts tries a launch then, through RunInstances' own rules).
 */
import type { LaunchTemplate, TagSpecification } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { rememberToken, requestParams, resourceForToken, validateClientToken } from '../client-tokens.js';
import { describeOperation, recordsOf } from '../describe.js';
import { callerArn, ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2MissingParameter } from '../errors.js';
import type { FilterFields } from '../filters.js';
import { newRecord } from '../lifecycle.js';
import type { ResourceRecord } from '../model.js';
import type { AuthRequest } from '../policy.js';
import type { AuthHelpers, Ec2ResourceType } from './resource-type.js';
import { tagList, tagsFromSpecifications } from './tags.js';

/** A launch template's data, as the request gave it (RunInstances' fields). */
export type LaunchTemplateData = Record<string, unknown>;

export interface LaunchTemplateVersionRecord {
  number: number;
  data: LaunchTemplateData;
  description: string | null;
  createdAt: number;
}

export interface LaunchTemplateRecord extends ResourceRecord {
  name: string;
  versions: LaunchTemplateVersionRecord[];
  defaultVersion: number;
}

// The account keeps its launch templates here (absent on accounts saved before they were modeled).
declare module '../model.js' {
  interface AccountState {
    launchTemplates?: Record<string, LaunchTemplateRecord>;
  }
}

const NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;

const templatesOf = (ctx: SimContext): Readonly<Record<string, LaunchTemplateRecord>> =>
  ctx.state.launchTemplates ?? {};
const writableTemplates = (ctx: SimContext): Record<string, LaunchTemplateRecord> =>
  (ctx.state.launchTemplates ??= {});

const notFoundById = (id: string) =>
  ec2Error(
    Ec2ErrorCode.launchTemplateIdNotFound,
    `The specified launch template, with template ID ${id}, does not exist.`,
  );
const notFoundByName = () =>
  ec2Error(
    Ec2ErrorCode.launchTemplateNameNotFound,
    'At least one of the launch templates specified in the request does not exist.',
  );

/** The template an input names by `LaunchTemplateId` or `LaunchTemplateName`. */
export function requireLaunchTemplate(
  ctx: SimContext,
  input: { LaunchTemplateId?: unknown; LaunchTemplateName?: unknown },
): LaunchTemplateRecord {
  if (typeof input.LaunchTemplateId === 'string') {
    const template = templatesOf(ctx)[input.LaunchTemplateId];
    if (!template) throw notFoundById(input.LaunchTemplateId);
    return template;
  }
  if (typeof input.LaunchTemplateName === 'string') {
    const template = recordsOf(templatesOf(ctx)).find((t) => t.name === input.LaunchTemplateName);
    if (!template) throw notFoundByName();
    return template;
  }
  throw ec2MissingParameter('launchTemplateId or launchTemplateName');
}

/** A version of the template: a number, `$Latest` or `$Default` (the default when none is named). */
export function versionOf(template: LaunchTemplateRecord, wanted: unknown): LaunchTemplateVersionRecord {
  const latest = Math.max(...template.versions.map((v) => v.number));
  const number =
    wanted === '$Latest'
      ? latest
      : wanted === undefined || wanted === null || wanted === '$Default'
        ? template.defaultVersion
        : Number(wanted);
  const version = template.versions.find((v) => v.number === number);
  if (!version)
    throw ec2Error(
      Ec2ErrorCode.launchTemplateVersionNotFound,
      `Could not find the specified version ${String(wanted)} for the launch template with ID ${template.id}.`,
    );
  return version;
}

function show(ctx: SimContext, template: LaunchTemplateRecord): LaunchTemplate {
  return {
    LaunchTemplateId: template.id,
    LaunchTemplateName: template.name,
    CreateTime: new Date(template.createdAt),
    CreatedBy: callerArn(ctx.state.accountId),
    DefaultVersionNumber: template.defaultVersion,
    LatestVersionNumber: Math.max(...template.versions.map((v) => v.number)),
    ...(Object.keys(template.tags).length > 0 ? { Tags: tagList(template.tags) } : {}),
  };
}

const fields: FilterFields<LaunchTemplateRecord> = {
  'launch-template-name': (t) => t.name,
};

export const launchTemplateOperations = {
  CreateLaunchTemplate(
    ctx: SimContext,
    input: {
      LaunchTemplateName?: string;
      LaunchTemplateData?: LaunchTemplateData;
      VersionDescription?: string;
      ClientToken?: string;
      TagSpecifications?: TagSpecification[];
    },
  ): object {
    validateClientToken(input.ClientToken);
    const params = requestParams(input);
    const earlier = resourceForToken(ctx, 'CreateLaunchTemplate', input.ClientToken, params);
    const existing = earlier ? templatesOf(ctx)[earlier] : undefined;
    if (existing) return { LaunchTemplate: show(ctx, existing) };
    const name = input.LaunchTemplateName;
    if (name === undefined) throw ec2MissingParameter('launchTemplateName');
    if (!NAME.test(name))
      throw ec2InvalidParameter(
        `Launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'`,
      );
    if (input.LaunchTemplateData === undefined) throw ec2MissingParameter('launchTemplateData');
    if (recordsOf(templatesOf(ctx)).some((t) => t.name === name))
      throw ec2Error(Ec2ErrorCode.launchTemplateNameExists, 'Launch template name already in use.');
    const tags = tagsFromSpecifications(input.TagSpecifications, 'launch-template');
    const template: LaunchTemplateRecord = {
      ...newRecord(ctx, 'lt', ctx.now + ctx.timings.eventualConsistencyMs, tags),
      name,
      versions: [
        {
          number: 1,
          data: structuredClone(input.LaunchTemplateData),
          description: input.VersionDescription ?? null,
          createdAt: ctx.now,
        },
      ],
      defaultVersion: 1,
    };
    writableTemplates(ctx)[template.id] = template;
    rememberToken(ctx, 'CreateLaunchTemplate', input.ClientToken, params, template.id);
    return { LaunchTemplate: show(ctx, template) };
  },

  CreateLaunchTemplateVersion(
    ctx: SimContext,
    input: {
      LaunchTemplateId?: string;
      LaunchTemplateName?: string;
      LaunchTemplateData?: LaunchTemplateData;
      VersionDescription?: string;
      ClientToken?: string;
      /** The version the new one starts from: its data, with LaunchTemplateData's parameters over it. */
      SourceVersion?: string;
    },
  ): object {
    validateClientToken(input.ClientToken);
    const template = requireLaunchTemplate(ctx, input);
    const params = requestParams(input);
    const earlier = resourceForToken(ctx, 'CreateLaunchTemplateVersion', input.ClientToken, params);
    const number =
      earlier !== undefined
        ? Number(earlier.split('#')[1])
        : Math.max(...template.versions.map((v) => v.number)) + 1;
    if (earlier === undefined) {
      if (input.LaunchTemplateData === undefined) throw ec2MissingParameter('launchTemplateData');
      const source = input.SourceVersion === undefined ? {} : versionOf(template, input.SourceVersion).data;
      template.versions.push({
        number,
        data: structuredClone({ ...source, ...input.LaunchTemplateData }),
        description: input.VersionDescription ?? null,
        createdAt: ctx.now,
      });
      rememberToken(
        ctx,
        'CreateLaunchTemplateVersion',
        input.ClientToken,
        params,
        `${template.id}#${number}`,
      );
    }
    return {
      LaunchTemplateVersion: {
        LaunchTemplateId: template.id,
        LaunchTemplateName: template.name,
        VersionNumber: number,
        DefaultVersion: template.defaultVersion === number,
        CreateTime: new Date(ctx.now),
      },
    };
  },

  ModifyLaunchTemplate(
    ctx: SimContext,
    input: { LaunchTemplateId?: string; LaunchTemplateName?: string; DefaultVersion?: string },
  ): object {
    const template = requireLaunchTemplate(ctx, input);
    if (input.DefaultVersion !== undefined)
      template.defaultVersion = versionOf(template, input.DefaultVersion).number;
    return { LaunchTemplate: show(ctx, template) };
  },

  DescribeLaunchTemplates(
    ctx: SimContext,
    input: {
      LaunchTemplateIds?: string[];
      LaunchTemplateNames?: string[];
      MaxResults?: number;
      NextToken?: string;
    },
  ): object {
    if (input.LaunchTemplateNames?.length) {
      const named = recordsOf(templatesOf(ctx)).filter((t) => input.LaunchTemplateNames?.includes(t.name));
      if (named.length < input.LaunchTemplateNames.length) throw notFoundByName();
    }
    for (const id of input.LaunchTemplateIds ?? []) if (!templatesOf(ctx)[id]) throw notFoundById(id);
    return describeOperation({
      list: 'LaunchTemplates',
      records: (c) =>
        recordsOf(templatesOf(c)).filter(
          (t) => !input.LaunchTemplateNames?.length || input.LaunchTemplateNames.includes(t.name),
        ),
      ids: (i: { LaunchTemplateIds?: string[] }) => i.LaunchTemplateIds,
      fields: () => fields,
      notFound: (missing) => notFoundById(missing[0] ?? ''),
      show,
    })(ctx, input);
  },

  /** The template's versions: all, or those named (numbers, `$Latest`, `$Default`), or a range. */
  DescribeLaunchTemplateVersions(
    ctx: SimContext,
    input: {
      LaunchTemplateId?: string;
      LaunchTemplateName?: string;
      Versions?: string[];
      MinVersion?: string;
      MaxVersion?: string;
    },
  ): object {
    const template = requireLaunchTemplate(ctx, input);
    const named = input.Versions?.length
      ? input.Versions.map((wanted) => versionOf(template, wanted))
      : template.versions.filter(
          (v) =>
            (input.MinVersion === undefined || v.number >= Number(input.MinVersion)) &&
            (input.MaxVersion === undefined || v.number <= Number(input.MaxVersion)),
        );
    return {
      LaunchTemplateVersions: named.map((v) => ({
        LaunchTemplateId: template.id,
        LaunchTemplateName: template.name,
        VersionNumber: v.number,
        ...(v.description !== null ? { VersionDescription: v.description } : {}),
        CreateTime: new Date(v.createdAt),
        CreatedBy: callerArn(ctx.state.accountId),
        DefaultVersion: v.number === template.defaultVersion,
        LaunchTemplateData: structuredClone(v.data),
      })),
    };
  },

  DeleteLaunchTemplate(
    ctx: SimContext,
    input: { LaunchTemplateId?: string; LaunchTemplateName?: string },
  ): object {
    const template = requireLaunchTemplate(ctx, input);
    delete writableTemplates(ctx)[template.id];
    return { LaunchTemplate: show(ctx, template) };
  },
};

/**
 * The template a call names: by id, its ARN and tags; by name, `launch-template/*` without its tags
 * (so a policy scoped by the template's tags refuses a call that names it by name, the safe way).
 */
function existingTemplate(input: Record<string, unknown>, auth: AuthHelpers): AuthRequest[] {
  return typeof input.LaunchTemplateId === 'string'
    ? auth.own(input.LaunchTemplateId)
    : auth.creating('launch-template', undefined);
}

/** Everything of the type, for resource-types.ts. */
export const launchTemplateType: Ec2ResourceType = {
  prefix: 'lt',
  arnType: 'launch-template',
  operations: launchTemplateOperations,
  tags: (state, id) => state.launchTemplates?.[id]?.tags,
  taggable: (state, id) => state.launchTemplates?.[id],
  authorize: {
    CreateLaunchTemplate: (input, auth) => auth.creating('launch-template', input.TagSpecifications),
    CreateLaunchTemplateVersion: (input, auth) => existingTemplate(input, auth),
    ModifyLaunchTemplate: (input, auth) => existingTemplate(input, auth),
    DescribeLaunchTemplateVersions: () => [
      { action: 'ec2:DescribeLaunchTemplateVersions', resource: '*', context: {} },
    ],
    DeleteLaunchTemplate: (input, auth) => existingTemplate(input, auth),
  },
  snapshot: (ctx) => {
    const templates = recordsOf(templatesOf(ctx));
    return templates.length === 0
      ? {}
      : {
          launchTemplates: templates.map((t) => ({
            id: t.id,
            name: t.name,
            tags: t.tags,
            versions: t.versions.length,
            defaultVersion: t.defaultVersion,
          })),
        };
  },
};
