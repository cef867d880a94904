import * as z from 'zod/mini';
import { elasticIp, elasticIpRecord } from './elastic-ip.js';
import { functions } from './functions.js';
import { internetGateway, internetGatewayRecord } from './internet-gateway.js';
import type { Kind, KindName } from './kind.js';
import { natGateway, natGatewayRecord, regionalNatGateway, regionalNatGatewayRecord } from './nat-gateway.js';
import { natInstance, natInstanceRecord } from './nat-instance.js';
import { natInterface, natInterfaceRecord } from './nat-interface.js';
import { natSecurityGroup, natSecurityGroupRecord } from './nat-security-group.js';
import { register } from './registry.js';
import {
  privateRouteTable,
  privateRouteTableRecord,
  publicRouteTable,
  publicRouteTableRecord,
} from './route-tables.js';
import { securityGroup, securityGroupRecord } from './security-group.js';
import { privateSubnet, privateSubnetRecord, publicSubnet, publicSubnetRecord } from './subnets.js';
import { vpc, vpcRecord } from './vpc.js';

/** Every resource kind, in the article's order. Adding a kind: its module, and a line here. */
export const KINDS: readonly Kind[] = [
  vpc, // 0. (only with --new-vpc) the VPC the article assumes
  internetGateway, // 1. internet gateway, attached to the VPC
  publicSubnet, // 2. public subnet
  publicRouteTable, // 3. public route: 0.0.0.0/0 -> internet gateway
  privateSubnet, // 4. private subnet ...
  securityGroup, //    ... and the functions' security group
  elasticIp, // 5. Elastic IP ...
  natGateway, //    ... and the NAT gateway in the public subnet
  regionalNatGateway, //    (or one regional NAT gateway for every zone)
  natSecurityGroup, //    (or a NAT instance: its security group,
  natInterface, //     its network interface holding the Elastic IP,
  natInstance, //     and the instance on that interface)
  privateRouteTable, // 6. private route: 0.0.0.0/0 -> the NAT
];
register(KINDS);

/** A state record of any kind, validated by its kind's schema. */
export const RESOURCE_RECORD = z.discriminatedUnion('kind', [
  vpcRecord,
  internetGatewayRecord,
  publicSubnetRecord,
  publicRouteTableRecord,
  privateSubnetRecord,
  securityGroupRecord,
  elasticIpRecord,
  natGatewayRecord,
  regionalNatGatewayRecord,
  natSecurityGroupRecord,
  natInterfaceRecord,
  natInstanceRecord,
  privateRouteTableRecord,
]);

export { functions };

export function kindOf(name: KindName): Kind {
  const kind = KINDS.find((k) => k.name === name);
  if (!kind) throw new TypeError(`unknown kind ${name}`);
  return kind;
}
