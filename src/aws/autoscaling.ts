/**
 * Auto Scaling's client and the operations fixed-ip calls: the group of one that keeps a NAT
 * instance running with `--nat instance --ha` (src/kinds/nat-group.ts). A module of its own that
 * clients.ts imports on the first Auto Scaling call, so a command on any other stack never loads
 * its package.
 */
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';

export { AutoScalingClient };

export const AUTOSCALING_OPERATIONS = {
  CreateAutoScalingGroup: CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroup: DeleteAutoScalingGroupCommand,
  // fixed-ip forget: its tags off the group it hands over.
  DeleteTags: DeleteTagsCommand,
  DescribeAutoScalingGroups: DescribeAutoScalingGroupsCommand,
  DescribeScalingActivities: DescribeScalingActivitiesCommand,
  SetDesiredCapacity: SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroup: TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroup: UpdateAutoScalingGroupCommand,
} as const;
