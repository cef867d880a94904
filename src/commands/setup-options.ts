import type { NatModeName } from '../state/schema.js';

/** What `fixed-ip setup` takes: its flags, or the interactive answers that stand in for them. */
export interface SetupOptions {
  functions: string[];
  /** --ecs-service CLUSTER/SERVICE (repeatable): ECS services to hold. */
  services?: string[] | undefined;
  vpc?: string | undefined;
  newVpc?: boolean | undefined;
  vpcCidr?: string | undefined;
  publicCidr?: string | undefined;
  privateCidr?: string | undefined;
  /** --az, repeatable: the zones, first zone first. */
  az?: string[] | undefined;
  /** --azs: how many zones. */
  azs?: number | undefined;
  nat?: NatModeName | undefined;
  /** --nat-instance-type (with --nat instance; default t4g.nano). */
  natInstanceType?: string | undefined;
  /** --replace-nat-instance: a fresh instance from the newest image, on the same interface. */
  replaceNatInstance?: boolean | undefined;
  /** --eip, repeatable: `eipalloc-…` for the first zone, or `ZONE=eipalloc-…`. */
  eip?: string | readonly string[] | undefined;
  /** The kinds' own flags (e.g. --endpoints), by the input's key, as typed; parsed by their kinds. */
  inputs?: Readonly<Record<string, string>> | undefined;
  name: string;
  state?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
  yes?: boolean | undefined;
  fixRole?: boolean | undefined;
}
