/**
 * Reads a request the SDK serialised back into the operation's input, from the SDK's own schemas:
 * the query protocols (EC2, IAM, STS: `Action=…&Filter.1.Name=…`), Lambda's REST JSON (method and
 * path template, query string, JSON body) and the JSON RPC ones (SSM, CloudWatch, Cost Explorer,
 * Budgets, ECS, Service Quotas: the operation in X-Amz-Target). The simulator then sees what AWS would see: a member the
 * SDK did not send (a misspelled one, say) does not reach it.
 */
import { NormalizedSchema } from '@smithy/core/schema';
import type { SimService as AwsService } from './contract.js';

/** The services on AWS's JSON RPC protocols (awsJson1_0, awsJson1_1). */
const JSON_RPC_SERVICES: readonly AwsService[] = [
  'ssm',
  'cloudwatch',
  'ce',
  'budgets',
  'ecs',
  'servicequotas',
];

type OperationSchema = [number, string, string, Record<string, unknown> | 0, unknown, unknown];
type Schemas = Record<string, unknown>;

export interface DecodedRequest {
  operation: string;
  input: Record<string, unknown>;
}

export interface WireRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

interface QueryNode {
  value?: string;
  children: Map<string, QueryNode>;
}

function queryTree(body: string): QueryNode {
  const root: QueryNode = { children: new Map() };
  for (const [key, value] of new URLSearchParams(body)) {
    let node = root;
    for (const segment of key.split('.')) {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.value = value;
  }
  return root;
}

function operationSchema(schemas: Schemas, operation: string): OperationSchema {
  const schema = schemas[`${operation}$`];
  if (!Array.isArray(schema)) throw new Error(`no operation ${operation} in the SDK`);
  return schema as OperationSchema;
}

function inputSchema(schema: OperationSchema): NormalizedSchema {
  return NormalizedSchema.of(schema[4] as Parameters<typeof NormalizedSchema.of>[0]);
}

function scalarFrom(ns: NormalizedSchema, text: string): unknown {
  if (ns.isBooleanSchema()) return text === 'true';
  if (ns.isNumericSchema()) return Number(text);
  if (ns.isTimestampSchema()) return new Date(/^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : text);
  if (ns.isBlobSchema()) return new Uint8Array(Buffer.from(text, 'base64'));
  return text;
}

/** The inverse of @aws-sdk/core's QueryShapeSerializer (its getKey naming, flattened EC2 lists). */
function readQuery(ns: NormalizedSchema, node: QueryNode, ec2: boolean): unknown {
  const key = (memberName: string, traits: Record<string, unknown>, struct: boolean): string => {
    if (ec2 && typeof traits.ec2QueryName === 'string') return traits.ec2QueryName;
    const name = (traits.xmlName as string | undefined) ?? memberName;
    return ec2 && struct ? name[0].toUpperCase() + name.slice(1) : name;
  };
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const child = node.children.get(key(name, member.getMergedTraits(), true));
      if (child) out[name] = readQuery(member, child, ec2);
    }
    return out;
  }
  if (ns.isListSchema()) {
    const item = ns.getValueSchema();
    const flat = ec2 || Boolean(ns.getMergedTraits().xmlFlattened);
    const holder = flat ? node : node.children.get(key('member', item.getMergedTraits(), false));
    if (!holder) return [];
    return [...holder.children.entries()]
      .filter(([index]) => /^\d+$/.test(index))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, child]) => readQuery(item, child, ec2));
  }
  if (ns.isMapSchema()) {
    const out: Record<string, unknown> = {};
    const entries = ns.getMergedTraits().xmlFlattened ? node : node.children.get('entry');
    for (const entry of entries?.children.values() ?? []) {
      const entryKey = entry.children.get('key')?.value;
      const entryValue = entry.children.get('value');
      if (entryKey !== undefined && entryValue)
        out[entryKey] = readQuery(ns.getValueSchema(), entryValue, ec2);
    }
    return out;
  }
  return scalarFrom(ns, node.value ?? '');
}

function readJson(ns: NormalizedSchema, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const traits = member.getMergedTraits();
      const field = (value as Record<string, unknown>)[traits.jsonName ?? name];
      if (field !== undefined) out[name] = readJson(member, field);
    }
    return out;
  }
  if (ns.isListSchema()) return (value as unknown[]).map((item) => readJson(ns.getValueSchema(), item));
  if (ns.isMapSchema())
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readJson(ns.getValueSchema(), v)]));
  if (ns.isBlobSchema() && typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'));
  if (ns.isTimestampSchema() && (typeof value === 'number' || typeof value === 'string'))
    return new Date(typeof value === 'number' ? value * 1000 : value);
  return value;
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  // From the bytes themselves: the SDK's JSON body is a Uint8Array whose valueOf() warns.
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new Error('a streamed request body: not expected from these services');
}

/** Lambda: the operation whose method and path template match, most literal segments first. */
function matchRestOperation(
  schemas: Schemas,
  method: string,
  path: string,
): { operation: string; schema: OperationSchema; labels: Record<string, string> } {
  const segments = path.split('/').filter(Boolean);
  let best:
    { operation: string; schema: OperationSchema; labels: Record<string, string>; score: number } | undefined;
  for (const [exported, value] of Object.entries(schemas)) {
    if (!exported.endsWith('$') || !Array.isArray(value) || value[0] !== 9) continue;
    const schema = value as OperationSchema;
    const http = (schema[3] === 0 ? undefined : schema[3].http) as [string, string, number] | undefined;
    if (!http || http[0] !== method) continue;
    const template = (http[1].split('?')[0] ?? '').split('/').filter(Boolean);
    if (template.length !== segments.length) continue;
    const labels: Record<string, string> = {};
    let score = 0;
    const matches = template.every((part, index) => {
      const segment = segments[index] ?? '';
      const label = /^\{(\w+)\+?\}$/.exec(part)?.[1];
      if (label) {
        labels[label] = decodeURIComponent(segment);
        return true;
      }
      score += 1;
      return part === segment;
    });
    if (matches && (!best || score > best.score))
      best = { operation: exported.slice(0, -1), schema, labels, score };
  }
  if (!best) throw new Error(`no Lambda operation for ${method} ${path}`);
  return best;
}

export function decodeRequest(service: AwsService, schemas: Schemas, request: WireRequest): DecodedRequest {
  if (JSON_RPC_SERVICES.includes(service)) {
    // awsJson: the operation in X-Amz-Target ("AmazonSSM.GetParameter"), the input as JSON.
    const target = request.headers['x-amz-target'] ?? '';
    const operation = target.slice(target.indexOf('.') + 1);
    const text = bodyText(request.body);
    const input = (
      text ? readJson(inputSchema(operationSchema(schemas, operation)), JSON.parse(text)) : {}
    ) as Record<string, unknown>;
    return { operation, input };
  }
  if (service !== 'lambda') {
    const tree = queryTree(bodyText(request.body));
    const operation = tree.children.get('Action')?.value ?? '';
    const input = readQuery(inputSchema(operationSchema(schemas, operation)), tree, service === 'ec2');
    return { operation, input: input as Record<string, unknown> };
  }
  const { operation, schema, labels } = matchRestOperation(schemas, request.method, request.path);
  const ns = inputSchema(schema);
  const text = bodyText(request.body);
  const input = (text ? readJson(ns, JSON.parse(text)) : {}) as Record<string, unknown>;
  for (const [name, member] of ns.structIterator()) {
    const traits = member.getMergedTraits();
    if (traits.httpLabel !== undefined && labels[name] !== undefined) input[name] = labels[name];
    const queryName = traits.httpQuery;
    const fromQuery = queryName === undefined ? undefined : request.query?.[queryName];
    if (fromQuery !== undefined && fromQuery !== null) {
      input[name] = Array.isArray(fromQuery)
        ? fromQuery.map((v) => scalarFrom(member.getValueSchema(), v))
        : scalarFrom(member, fromQuery);
    }
    const header = traits.httpHeader;
    const fromHeader = header === undefined ? undefined : request.headers[header.toLowerCase()];
    if (fromHeader !== undefined) input[name] = scalarFrom(member, fromHeader);
  }
  return { operation, input };
}
