/**
 * A stack as infrastructure as code, for `fixed-ip export`: each kind says what its live resource
 * is in Terraform's AWS provider and in CloudFormation, and how each imports it. The kinds speak
 * only of AWS ids; the engine turns an id that another exported resource has into a reference to
 * it (`${aws_subnet.x.id}`, `{"Ref": "PublicSubnetA"}`), and an id of something the stack only
 * reused into a data source or a parameter.
 */

/** An AWS id in an attribute, to be written as a reference when the export holds its resource. */
export interface IdRef {
  readonly idRef: string;
}

export type IacValue =
  string | number | boolean | IdRef | readonly IacValue[] | { readonly [key: string]: IacValue | undefined };

export const idRef = (id: string): IdRef => ({ idRef: id });

export function isIdRef(value: unknown): value is IdRef {
  return typeof value === 'object' && value !== null && typeof (value as IdRef).idRef === 'string';
}

/** One resource of the export: a kind's own, or one that goes with it (a route, an association). */
export interface IacResource {
  /** The live id others refer to it by (a subnet's id); unique within the export. */
  readonly id: string;
  /** What it is within the kind's node: '' for the kind's own resource, else 'route', 'association', ... */
  readonly part: string;
  /** fixed-ip tags written all the same (its kind's `keepsTags`: `forget` keeps them too). */
  readonly keepTags?: readonly string[];
  /** Its live tags, for a type that takes tags: written less fixed-ip's own (`tags` / `Tags`). */
  readonly tags?: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined;
  /** Deleting or replacing it loses the allowlisted IP: Terraform refuses to destroy it. */
  readonly keep?: boolean;
  readonly terraform: {
    readonly type: string;
    readonly attributes: Readonly<Record<string, IacValue | undefined>>;
    /** The id `terraform import` takes, in the format the AWS provider documents for the type. */
    readonly importId: string;
    /** The attribute a reference to it reads (default `id`). */
    readonly refAttribute?: string;
    /** Arguments its live value may move away from without Terraform undoing it (an attachment a NAT instance makes itself). */
    readonly ignoreChanges?: readonly string[];
  };
  /** Absent where CloudFormation has no resource for it (one route table of your own endpoint). */
  readonly cloudformation?: {
    readonly type: string;
    readonly properties: Readonly<Record<string, IacValue | undefined>>;
    /** The resource identifier an IMPORT change set takes (its type's primary identifier). */
    readonly identifier: Readonly<Record<string, string>>;
    /** The attribute a reference to it reads with Fn::GetAtt (default: Ref). */
    readonly refAttribute?: string;
    /** The type takes no `Tags` (an instance profile): its tags stay as they are, unmanaged. */
    readonly untagged?: boolean;
  };
}

/** Something the stack uses but only reused (your VPC, an existing internet gateway, an adopted IP). */
export interface IacReused {
  readonly id: string;
  /** The data source that reads it, and its arguments. */
  readonly terraform: { readonly type: string; readonly attributes: Readonly<Record<string, IacValue>> };
  /** The parameter type it is passed in as. */
  readonly cloudformation: { readonly parameterType: string };
  /** What it is, for a parameter's description ("the VPC"). */
  readonly title: string;
}

/**
 * What a kind exports for one record: the resources the stack owns, or (for what it only reused)
 * the data source or parameter others refer to it by, and notes for the hand-over.
 */
export interface IacExport {
  readonly owned?: readonly IacResource[] | undefined;
  readonly reused?: IacReused | undefined;
  readonly notes?: readonly string[] | undefined;
}

/** The network settings the stack's workloads take, for the user's own definitions of them. */
export interface IacWorkloadSnippet {
  /** The workloads attached (function names). */
  readonly names: readonly string[];
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/**
 * fixed-ip's own tags (and AWS's reserved ones) stay out of the files, as `forget` takes them off:
 * all but those something that stays relies on (`keep`: a NAT interface's stack tag, which the NAT
 * instance's role moves it by), which forget keeps too.
 */
export function exportedTags(
  tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined,
  keep: readonly string[] = [],
): Array<{ Key: string; Value: string }> {
  return (tags ?? [])
    .filter(
      (t) =>
        t.Key !== undefined &&
        (keep.includes(t.Key) || (!t.Key.startsWith('fixed-ip:') && !t.Key.startsWith('aws:'))),
    )
    .map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }))
    .sort((a, b) => a.Key.localeCompare(b.Key));
}
