/**
 * The simulator served on the wire: an SDK `requestHandler` that answers each request with the
 * HTTP response AWS would send (EC2's query XML, IAM's, STS's and Auto Scaling's awsQuery XML,
 * Lambda's REST JSON, the JSON RPC of SSM, CloudWatch, Cost Explorer, Budgets, ECS and Service Quotas),
 * so the SDK's own deserialisers parse every answer and its own error parsing builds every error.
 * A simulator answer AWS could not have given (a member the service's schema lacks, a string where
 * AWS sends a list) fails the call here, instead of reaching the code under test as if AWS said it.
 *
 * The XML and JSON are written from the SDK's own operation schemas (`DescribeVpcs$`…), read with
 * the same NormalizedSchema the SDK's deserialisers use: no per-operation code. Requests are read
 * back from the wire the same way (wire-request.ts).
 */
import * as autoscalingSchemas from '@aws-sdk/client-auto-scaling';
import * as budgetsSchemas from '@aws-sdk/client-budgets';
import * as cloudwatchSchemas from '@aws-sdk/client-cloudwatch';
import * as ceSchemas from '@aws-sdk/client-cost-explorer';
import * as ec2Schemas from '@aws-sdk/client-ec2';
import * as ecsSchemas from '@aws-sdk/client-ecs';
import * as iamSchemas from '@aws-sdk/client-iam';
import * as lambdaSchemas from '@aws-sdk/client-lambda';
import * as serviceQuotasSchemas from '@aws-sdk/client-service-quotas';
import * as ssmSchemas from '@aws-sdk/client-ssm';
import * as stsSchemas from '@aws-sdk/client-sts';
import { NormalizedSchema } from '@smithy/core/schema';
import { Readable } from 'node:stream';
import type { SimService as AwsService } from './contract.js';
import { newRequestId } from './ids.js';
import type { AwsSimulator } from './simulator.js';
import { decodeRequest, type WireRequest } from './wire-request.js';

const SCHEMAS: Record<AwsService, Record<string, unknown>> = {
  ec2: ec2Schemas,
  iam: iamSchemas,
  lambda: lambdaSchemas,
  sts: stsSchemas,
  ssm: ssmSchemas,
  autoscaling: autoscalingSchemas,
  cloudwatch: cloudwatchSchemas,
  ce: ceSchemas,
  budgets: budgetsSchemas,
  ecs: ecsSchemas,
  servicequotas: serviceQuotasSchemas,
};

/**
 * The services that speak AWS's JSON RPC protocols (the operation in X-Amz-Target, JSON both ways):
 * their content type, and the member their errors carry the message in. CloudWatch's is
 * awsQueryCompatible: its errors also carry the query code in `x-amzn-query-error`.
 */
const JSON_RPC: Partial<Record<AwsService, { contentType: string; messageMember: string }>> = {
  ssm: { contentType: 'application/x-amz-json-1.1', messageMember: 'message' },
  cloudwatch: { contentType: 'application/x-amz-json-1.0', messageMember: 'message' },
  ce: { contentType: 'application/x-amz-json-1.1', messageMember: 'Message' },
  budgets: { contentType: 'application/x-amz-json-1.1', messageMember: 'Message' },
  ecs: { contentType: 'application/x-amz-json-1.1', messageMember: 'message' },
  servicequotas: { contentType: 'application/x-amz-json-1.1', messageMember: 'Message' },
};

const XML_NAMESPACES: Record<AwsService, string> = {
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  lambda: '',
  ssm: '',
  autoscaling: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
  cloudwatch: '',
  ce: '',
  budgets: '',
  ecs: '',
  servicequotas: '',
};

/** A simulator answer that does not fit the shape AWS's API gives that operation. */
export class WireShapeError extends Error {
  override name = 'WireShapeError';
}

interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The operation's output schema, from the client package's exported `<Operation>$` schema. */
function outputSchema(service: AwsService, operation: string): NormalizedSchema {
  const schema = SCHEMAS[service][`${operation}$`] as
    [number, string, string, unknown, unknown, unknown] | undefined;
  if (!Array.isArray(schema)) throw new WireShapeError(`no ${service} operation ${operation} in the SDK`);
  return NormalizedSchema.of(schema[5] as Parameters<typeof NormalizedSchema.of>[0]);
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function scalar(ns: NormalizedSchema, value: unknown, path: string): string {
  if (ns.isTimestampSchema()) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new WireShapeError(`${path}: a timestamp must be a Date, got ${JSON.stringify(value)}`);
    return value.toISOString();
  }
  if (ns.isBlobSchema()) {
    if (!(value instanceof Uint8Array)) throw new WireShapeError(`${path}: a blob must be bytes`);
    return Buffer.from(value).toString('base64');
  }
  if (ns.isBooleanSchema()) {
    if (typeof value !== 'boolean')
      throw new WireShapeError(`${path}: expected a boolean, got ${typeof value}`);
    return String(value);
  }
  if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
    if (typeof value !== 'number' && typeof value !== 'bigint')
      throw new WireShapeError(`${path}: expected a number, got ${typeof value}`);
    return String(value);
  }
  if (ns.isStringSchema()) {
    if (typeof value !== 'string')
      throw new WireShapeError(`${path}: expected a string, got ${typeof value}`);
    return value;
  }
  throw new WireShapeError(`${path}: no wire form for schema ${String(ns.getName(true))}`);
}

function structMembers(
  ns: NormalizedSchema,
  value: unknown,
  path: string,
): Array<[string, NormalizedSchema, unknown]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WireShapeError(`${path}: expected a structure, got ${JSON.stringify(value)}`);
  const members = new Map(ns.structIterator());
  for (const key of Object.keys(value)) {
    if (key !== '$metadata' && !members.has(key))
      throw new WireShapeError(`${path}.${key}: AWS's ${String(ns.getName())} has no member ${key}`);
  }
  const present: Array<[string, NormalizedSchema, unknown]> = [];
  for (const [name, member] of members) {
    const memberValue = (value as Record<string, unknown>)[name];
    if (memberValue !== undefined && memberValue !== null) present.push([name, member, memberValue]);
  }
  return present;
}

/** The element's content, as XmlShapeDeserializer reads it back (xmlName, `member`/`item`, flattened). */
function xmlContent(ns: NormalizedSchema, value: unknown, path: string): string {
  if (ns.isStructSchema()) {
    return structMembers(ns, value, path)
      .map(([name, member, memberValue]) => {
        const tag = member.getMemberTraits().xmlName ?? name;
        if (member.isListSchema() && member.getMergedTraits().xmlFlattened) {
          return xmlItems(member, memberValue, `${path}.${name}`, tag);
        }
        return `<${tag}>${xmlContent(member, memberValue, `${path}.${name}`)}</${tag}>`;
      })
      .join('');
  }
  if (ns.isListSchema()) {
    const item = ns.getValueSchema().getMergedTraits().xmlName ?? 'member';
    return xmlItems(ns, value, path, item);
  }
  if (ns.isMapSchema()) {
    if (typeof value !== 'object' || value === null) throw new WireShapeError(`${path}: expected a map`);
    return Object.entries(value)
      .map(
        ([key, entry]) =>
          `<entry><key>${escapeXml(key)}</key><value>${xmlContent(ns.getValueSchema(), entry, `${path}.${key}`)}</value></entry>`,
      )
      .join('');
  }
  return escapeXml(scalar(ns, value, path));
}

function xmlItems(list: NormalizedSchema, value: unknown, path: string, tag: string): string {
  if (!Array.isArray(value))
    throw new WireShapeError(`${path}: expected a list, got ${JSON.stringify(value)}`);
  const item = list.getValueSchema();
  return value
    .map((entry, index) => `<${tag}>${xmlContent(item, entry, `${path}[${index}]`)}</${tag}>`)
    .join('');
}

/** Lambda's REST JSON body, as the SDK's JSON deserialiser reads it back. */
function jsonValue(ns: NormalizedSchema, value: unknown, path: string): unknown {
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member, memberValue] of structMembers(ns, value, path)) {
      const traits = member.getMergedTraits();
      if (traits.httpHeader !== undefined || traits.httpResponseCode !== undefined) continue;
      out[traits.jsonName ?? name] = jsonValue(member, memberValue, `${path}.${name}`);
    }
    return out;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value))
      throw new WireShapeError(`${path}: expected a list, got ${JSON.stringify(value)}`);
    return value.map((entry, index) => jsonValue(ns.getValueSchema(), entry, `${path}[${index}]`));
  }
  if (ns.isMapSchema()) {
    if (typeof value !== 'object' || value === null) throw new WireShapeError(`${path}: expected a map`);
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [
        key,
        jsonValue(ns.getValueSchema(), entry, `${path}.${key}`),
      ]),
    );
  }
  if (ns.isDocumentSchema()) return value;
  if (ns.isTimestampSchema()) return Date.parse(scalar(ns, value, path)) / 1000;
  if (ns.isBooleanSchema() || ns.isNumericSchema()) {
    scalar(ns, value, path);
    return value;
  }
  return scalar(ns, value, path);
}

/** AWS's success response for one operation, in the service's protocol. */
export function serializeOutput(service: AwsService, operation: string, output: object): WireResponse {
  const ns = outputSchema(service, operation);
  const requestId = newRequestId();
  if (service === 'lambda' && !ns.isUnitSchema()) {
    // REST bindings: a member bound to the HTTP payload (Invoke's Payload) is the whole body, and
    // members bound to headers or the status code travel there.
    const members = structMembers(ns, output, operation);
    const payload = members.find(([, member]) => member.getMergedTraits().httpPayload !== undefined);
    if (payload || members.some(([, member]) => member.getMergedTraits().httpResponseCode !== undefined)) {
      const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
      let statusCode = 200;
      for (const [, member, value] of members) {
        const traits = member.getMergedTraits();
        if (traits.httpHeader !== undefined) headers[String(traits.httpHeader).toLowerCase()] = String(value);
        if (traits.httpResponseCode !== undefined) statusCode = Number(value);
      }
      const [, , body] = payload ?? [];
      const text =
        body instanceof Uint8Array
          ? Buffer.from(body).toString('utf8')
          : body === undefined
            ? ''
            : JSON.stringify(body);
      return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: text };
    }
  }
  const rpc = JSON_RPC[service];
  if (service === 'lambda' || rpc) {
    // Lambda's REST JSON, and the JSON RPC services: a JSON body either way.
    const body = ns.isUnitSchema() ? (rpc ? '{}' : '') : JSON.stringify(jsonValue(ns, output, operation));
    return {
      statusCode: 200,
      headers: {
        'content-type': rpc?.contentType ?? 'application/json',
        'x-amzn-requestid': requestId,
      },
      body,
    };
  }
  const content = ns.isUnitSchema() ? '' : xmlContent(ns, output, operation);
  const xmlns = XML_NAMESPACES[service];
  const body =
    service === 'ec2'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${xmlns}"><requestId>${requestId}</requestId>${content}</${operation}Response>`
      : `<${operation}Response xmlns="${xmlns}"><${operation}Result>${content}</${operation}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body,
  };
}

interface ServiceErrorLike {
  name: string;
  message: string;
  $metadata: { httpStatusCode: number };
  $fault?: 'client' | 'server';
}

function isServiceError(error: unknown): error is ServiceErrorLike {
  return typeof (error as ServiceErrorLike | undefined)?.$metadata?.httpStatusCode === 'number';
}

/** AWS's error response for a simulator error, in the service's protocol. */
export function serializeError(service: AwsService, error: ServiceErrorLike): WireResponse {
  const requestId = newRequestId();
  const status = error.$metadata.httpStatusCode;
  const rpc = JSON_RPC[service];
  if (rpc) {
    const code = (error as { Code?: string }).Code;
    const type = (error as { Type?: string }).Type;
    return {
      statusCode: status,
      headers: {
        'content-type': rpc.contentType,
        'x-amzn-requestid': requestId,
        ...(service === 'cloudwatch' && code !== undefined
          ? { 'x-amzn-query-error': `${code};${type ?? (status >= 500 ? 'Receiver' : 'Sender')}` }
          : {}),
      },
      body: JSON.stringify({ __type: error.name, [rpc.messageMember]: error.message }),
    };
  }
  if (service === 'lambda') {
    return {
      statusCode: status,
      headers: {
        'content-type': 'application/json',
        'x-amzn-errortype': error.name,
        'x-amzn-requestid': requestId,
      },
      body: JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message: error.message }),
    };
  }
  // AWS's code: the SDK names a modelled error by its shape (DeleteConflictException) and keeps the
  // wire's code (DeleteConflict) as `Code`.
  const code = escapeXml((error as { Code?: string }).Code ?? error.name);
  const message = escapeXml(error.message);
  const body =
    service === 'ec2'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      : `<ErrorResponse xmlns="${XML_NAMESPACES[service]}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { statusCode: status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/**
 * Serves `sim` to this client on the wire: the request is read back from what the SDK serialised,
 * and the answer written as AWS would. Retries, signing and every (de)serialiser stay the SDK's;
 * only the socket is replaced.
 */
export function attachSimulatorWire(
  client: { config: { requestHandler?: unknown } },
  service: AwsService,
  sim: Pick<AwsSimulator, 'handle'>,
): void {
  client.config.requestHandler = {
    metadata: { handlerProtocol: 'fixed-ip-simulator' },
    destroy: () => undefined,
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    handle: async (request: WireRequest) => {
      const { operation, input } = decodeRequest(service, SCHEMAS[service], request);
      let wire: WireResponse;
      try {
        wire = serializeOutput(service, operation, (await sim.handle(service, operation, input)) as object);
      } catch (error) {
        // A network fault (no status) stays a thrown error, as a reset socket would be.
        if (!isServiceError(error)) throw error;
        wire = serializeError(service, error);
      }
      return {
        response: {
          statusCode: wire.statusCode,
          reason: '',
          headers: { ...wire.headers, 'content-length': String(Buffer.byteLength(wire.body)) },
          body: Readable.from([Buffer.from(wire.body)]),
        },
      };
    },
  };
}
