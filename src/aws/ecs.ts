/**
 * Amazon ECS's client and the operations fixed-ip calls: the services a stack moves into its
 * private subnets (`--ecs-service`, src/kinds/ecs-services.ts). A module of its own that clients.ts
 * imports on the first ECS call, so a stack of functions only never loads its package.
 */
import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTasksCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';

export { ECSClient };

export const ECS_OPERATIONS = {
  // Where an EC2-launch-type service's cluster runs its capacity (which VPC).
  DescribeContainerInstances: DescribeContainerInstancesCommand,
  DescribeServices: DescribeServicesCommand,
  DescribeTaskDefinition: DescribeTaskDefinitionCommand,
  DescribeTasks: DescribeTasksCommand,
  ListClusters: ListClustersCommand,
  ListContainerInstances: ListContainerInstancesCommand,
  ListServices: ListServicesCommand,
  ListTasks: ListTasksCommand,
  TagResource: TagResourceCommand,
  UntagResource: UntagResourceCommand,
  UpdateService: UpdateServiceCommand,
} as const;
