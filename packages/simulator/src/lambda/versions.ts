/**
 * Versions and aliases: PublishVersion freezes $LATEST's configuration (VpcConfig included), so an
 * UpdateFunctionConfiguration changes $LATEST only; an alias points at a version. DeleteFunction
 * removes the function with its versions and aliases, or one version when qualified.
 */
import type { SimContext } from '../context.js';
import { lambdaError } from '../errors.js';
import { functionUpdateInProgress } from '../lifecycle.js';
import type { FunctionAliasRecord, FunctionRecord } from '../model.js';
import {
  configurationOf,
  functionArn,
  inProgressConflict,
  resolveFunction,
  resolveQualified,
  toConfiguration,
} from './configuration.js';
import { reconcileLambdaEnis } from './enis.js';

/** Lambda's alias names: 1-128 of letters, digits, '-' and '_', not all digits. */
const ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/;

function invalid(message: string): Error {
  return lambdaError('InvalidParameterValueException', message);
}

function revisionId(revision: number): string {
  return `00000000-0000-4000-8000-${revision.toString(16).padStart(12, '0')}`;
}

function aliasArn(ctx: SimContext, fn: FunctionRecord, name: string): string {
  return `${functionArn(ctx, fn.name)}:${name}`;
}

function toAlias(ctx: SimContext, fn: FunctionRecord, alias: FunctionAliasRecord): object {
  return {
    AliasArn: aliasArn(ctx, fn, alias.name),
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    RevisionId: revisionId(alias.revision),
  };
}

function versionOf(fn: FunctionRecord, version: string | undefined): string {
  if (version === undefined) throw invalid('FunctionVersion is required.');
  if (version !== '$LATEST' && !fn.versions?.some((v) => v.version === version)) {
    throw lambdaError('ResourceNotFoundException', `Function not found: ${fn.name}:${version}`);
  }
  return version;
}

function requireAlias(ctx: SimContext, fn: FunctionRecord, name: string | undefined): FunctionAliasRecord {
  const alias = name === undefined ? undefined : fn.aliases?.[name];
  if (!alias)
    throw lambdaError('ResourceNotFoundException', `Alias not found: ${aliasArn(ctx, fn, String(name))}`);
  return alias;
}

export const versionOperations = {
  PublishVersion(ctx: SimContext, input: { FunctionName?: string; Description?: string }): object {
    const fn = resolveFunction(ctx, input.FunctionName, 'lambda:PublishVersion');
    if (functionUpdateInProgress(fn, ctx.now)) throw inProgressConflict(ctx, fn);
    const latest = fn.versions?.at(-1);
    // Publishing an unchanged $LATEST again returns the version it already is.
    let version = latest && latest.fromRevision === fn.revision ? latest : undefined;
    if (!version) {
      const number = (fn.lastVersion ?? 0) + 1;
      version = {
        version: String(number),
        runtime: fn.runtime,
        roleName: fn.roleName,
        subnetIds: [...fn.subnetIds],
        securityGroupIds: [...fn.securityGroupIds],
        description: input.Description ?? fn.description,
        timeout: fn.timeout,
        memorySize: fn.memorySize,
        fromRevision: fn.revision,
        lastModified: ctx.now,
      };
      fn.lastVersion = number;
      fn.versions = [...(fn.versions ?? []), version];
    }
    return configurationOf(ctx, { fn, version, qualifier: version.version });
  },

  ListVersionsByFunction(ctx: SimContext, input: { FunctionName?: string }): object {
    const fn = resolveFunction(ctx, input.FunctionName, 'lambda:ListVersionsByFunction');
    return {
      Versions: [
        toConfiguration(ctx, fn),
        ...(fn.versions ?? []).map((v) => configurationOf(ctx, { fn, version: v, qualifier: v.version })),
      ],
    };
  },

  CreateAlias(
    ctx: SimContext,
    input: { FunctionName?: string; Name?: string; FunctionVersion?: string; Description?: string },
  ): object {
    const fn = resolveFunction(ctx, input.FunctionName, 'lambda:CreateAlias');
    const name = input.Name ?? '';
    if (!ALIAS_NAME.test(name))
      throw invalid(
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`,
      );
    const functionVersion = versionOf(fn, input.FunctionVersion);
    if (fn.aliases?.[name])
      throw lambdaError('ResourceConflictException', `Alias already exists: ${aliasArn(ctx, fn, name)}`);
    const alias: FunctionAliasRecord = {
      name,
      functionVersion,
      description: input.Description ?? '',
      revision: 1,
    };
    fn.aliases = { ...fn.aliases, [name]: alias };
    return toAlias(ctx, fn, alias);
  },

  GetAlias(ctx: SimContext, input: { FunctionName?: string; Name?: string }): object {
    const fn = resolveFunction(ctx, input.FunctionName, 'lambda:GetAlias');
    return toAlias(ctx, fn, requireAlias(ctx, fn, input.Name));
  },

  ListAliases(ctx: SimContext, input: { FunctionName?: string; FunctionVersion?: string }): object {
    const fn = resolveFunction(ctx, input.FunctionName, 'lambda:ListAliases');
    const aliases = Object.values(fn.aliases ?? {})
      .filter((a) => input.FunctionVersion === undefined || a.functionVersion === input.FunctionVersion)
      .sort((a, b) => a.name.localeCompare(b.name));
    return { Aliases: aliases.map((a) => toAlias(ctx, fn, a)) };
  },

  UpdateAlias(
    ctx: SimContext,
    input: { FunctionName?: string; Name?: string; FunctionVersion?: string; Description?: string },
  ): object {
    const fn = resolveFunction(ctx, input.FunctionName, 'lambda:UpdateAlias');
    const alias = requireAlias(ctx, fn, input.Name);
    const functionVersion =
      input.FunctionVersion === undefined ? alias.functionVersion : versionOf(fn, input.FunctionVersion);
    alias.functionVersion = functionVersion;
    if (input.Description !== undefined) alias.description = input.Description;
    alias.revision += 1;
    return toAlias(ctx, fn, alias);
  },

  DeleteAlias(ctx: SimContext, input: { FunctionName?: string; Name?: string }): object {
    const fn = resolveFunction(ctx, input.FunctionName, 'lambda:DeleteAlias');
    const alias = requireAlias(ctx, fn, input.Name);
    fn.aliases = Object.fromEntries(Object.entries(fn.aliases ?? {}).filter(([name]) => name !== alias.name));
    return {};
  },

  DeleteFunction(ctx: SimContext, input: { FunctionName?: string; Qualifier?: string }): object {
    const target = resolveQualified(ctx, input.FunctionName, input.Qualifier, 'lambda:DeleteFunction');
    const { fn, qualifier } = target;
    if (qualifier === '$LATEST')
      throw invalid('$LATEST version cannot be deleted without deleting the function.');
    if (qualifier !== undefined && fn.aliases?.[qualifier])
      throw invalid('Deletion of aliases is not supported by DeleteFunction. Use DeleteAlias.');
    if (target.version) {
      const version = target.version.version;
      const users = Object.values(fn.aliases ?? {}).filter((a) => a.functionVersion === version);
      if (users.length > 0) {
        throw lambdaError(
          'ResourceConflictException',
          `Unable to delete version because the following aliases reference it: [${users.map((a) => a.name).join(', ')}]`,
        );
      }
      fn.versions = (fn.versions ?? []).filter((v) => v.version !== version);
    } else {
      delete ctx.state.functions[fn.name];
    }
    // The ENIs only that function (or version) used start their release clock.
    reconcileLambdaEnis(ctx, { ...fn, subnetIds: [], securityGroupIds: [], versions: [] });
    return {};
  },
};
