/**
 * Which AWS operations only read the account. AWS names its read-only calls Describe…, Get…,
 * List… (and IAM's policy simulator); every other operation may change the account, including
 * ones that do not look like it (RunInstances, TerminateInstances, AuthorizeSecurityGroupIngress,
 * ModifyNetworkInterfaceAttribute, Invoke). The one definition the simulator's call log, the tests,
 * the bench and the moto bridge share; no SDK import, so the simulator can use it too.
 */
const READ_ONLY = /^(Describe|Get|List|Simulate)[A-Z]/;

export function isReadOnlyOperation(operation: string): boolean {
  return READ_ONLY.test(operation);
}
