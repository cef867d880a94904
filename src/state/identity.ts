import * as z from 'zod/mini';

/**
 * A resource's identity within a stack: its kind, and the zone for zonal kinds. The kinds are an
 * open set: each kind module declares its state record here by augmenting `KindRecords`
 *
 *   declare module '../state/identity.js' { interface KindRecords { elasticIp: ElasticIpRecord } }
 *
 * so the names, the records and `RecordOf` are derived from the kinds that exist, with no list kept
 * by hand, and nothing below the kinds imports them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by each kind's declaration
export interface KindRecords {}

export type KindName = Extract<keyof KindRecords, string>;
/** A state record of any kind. */
export type ResourceRecord = KindRecords[KindName];
export type RecordOf<K extends KindName> = KindRecords[K];

/** What every state record holds; a kind extends it with what it needs (a CIDR, a public IP). */
export const baseRecord = z.object({
  id: z.string().check(z.minLength(1)),
  /** True when fixed-ip created it (and so may delete it); false when it was there already. */
  owned: z.boolean(),
  /** Set for zonal kinds. */
  zone: z.optional(z.string().check(z.minLength(1))),
});

/** Identity within a stack: the kind, and the zone for zonal kinds. */
export interface Identity {
  kind: KindName;
  zone?: string | undefined;
}

/** The key of a record in the state file: `natGateway@ap-northeast-1a`, or `vpc`. */
export function identityKey(id: Identity): string {
  return id.zone === undefined ? id.kind : `${id.kind}@${id.zone}`;
}
