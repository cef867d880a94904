/** IAM's authorizations of an ECS call (Service Authorization Reference): kept apart from the operations, so authorization.ts does not import the scheduler. */
import type { SimContext } from '../context.js';
import type { AuthRequest } from '../policy.js';
import { clusterArn, ecsOf, lastPart, serviceArn, taggedResource, taskArn } from './records.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- inputs arrive untyped from the SDK
type Input = Record<string, any>;

/** IAM's authorizations of an ECS call: `ecs:<Operation>` on the cluster's, service's or task's ARN. */
export function ecsAuthorizations(ctx: SimContext, operation: string, input: Input): AuthRequest[] {
  const action = `ecs:${operation}`;
  const clusterName =
    typeof input.cluster === 'string' && input.cluster !== '' ? lastPart(input.cluster) : 'default';
  const cluster = clusterArn(ctx, clusterName);
  const resourceTags = (tags: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
  const requestTags = (tags: unknown) => {
    const list = Array.isArray(tags) ? (tags as Array<{ key?: string; value?: string }>) : [];
    return list.length === 0
      ? {}
      : {
          ...Object.fromEntries(list.map((t) => [`aws:RequestTag/${t.key ?? ''}`, t.value ?? ''])),
          'aws:TagKeys': list.map((t) => t.key ?? ''),
        };
  };
  const onService = (name: string): AuthRequest => {
    const service = ecsOf(ctx).services[`${clusterName}/${lastPart(name)}`];
    return {
      action,
      resource: serviceArn(ctx, clusterName, lastPart(name)),
      context: { 'ecs:cluster': cluster, ...resourceTags(service?.tags) },
    };
  };
  switch (operation) {
    case 'CreateCluster': {
      const resource = clusterArn(ctx, (input.clusterName as string | undefined) ?? 'default');
      const context = requestTags(input.tags);
      return [
        { action, resource, context },
        ...(Object.keys(context).length > 0 ? [{ action: 'ecs:TagResource', resource, context }] : []),
      ];
    }
    case 'DeleteCluster':
      return [{ action, resource: cluster, context: resourceTags(ecsOf(ctx).clusters[clusterName]?.tags) }];
    case 'CreateService': {
      const resource = serviceArn(ctx, clusterName, String(input.serviceName ?? ''));
      const context = { 'ecs:cluster': cluster, ...requestTags(input.tags) };
      return [
        { action, resource, context },
        ...(Array.isArray(input.tags) && input.tags.length > 0
          ? [{ action: 'ecs:TagResource', resource, context }]
          : []),
      ];
    }
    case 'UpdateService':
    case 'DeleteService':
      return [onService(String(input.service ?? ''))];
    case 'DescribeServices':
      return (Array.isArray(input.services) ? (input.services as string[]) : []).map(onService);
    case 'DescribeTasks':
      return (Array.isArray(input.tasks) ? (input.tasks as string[]) : []).map((id) => ({
        action,
        resource: id.startsWith('arn:') ? id : taskArn(ctx, { cluster: clusterName, id }),
        context: { 'ecs:cluster': cluster },
      }));
    case 'ListServices':
    case 'ListTasks':
      return [{ action, resource: '*', context: { 'ecs:cluster': cluster } }];
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsForResource': {
      const resource = String(input.resourceArn ?? '');
      let tags: Record<string, string> = {};
      try {
        tags = taggedResource(ctx, resource).tags;
      } catch {
        // A resource that does not exist has no tags to match.
      }
      const context = {
        ...resourceTags(tags),
        ...(operation === 'TagResource' ? requestTags(input.tags) : {}),
        ...(operation === 'UntagResource'
          ? { 'aws:TagKeys': (input.tagKeys as string[] | undefined) ?? [] }
          : {}),
      };
      return [{ action, resource, context }];
    }
    case 'DescribeContainerInstances':
    case 'ListContainerInstances':
      return [{ action, resource: cluster, context: {} }];
    default:
      // ListClusters, RegisterTaskDefinition, DescribeTaskDefinition: no resource types.
      return [{ action, resource: '*', context: {} }];
  }
}
