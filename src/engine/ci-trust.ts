/**
 * The trust policy of the CI check's role (`fixed-ip iam-policy --for ci --repo owner/name`): only
 * GitHub's OIDC provider, only for that repository's default branch. Apart from the workflow's
 * module so iam-policy loads no YAML library.
 */
import { badOption } from '../errors.js';

/** GitHub's OIDC provider, as IAM names it (`oidc-provider/<host>`) and as its condition keys start. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** `--repo owner/name`, as GitHub spells a repository. */
export function checkRepo(repo: string): string {
  const name = repo.split('/')[1] ?? '';
  if (!REPO.test(repo) || name === '.' || name === '..')
    throw badOption(
      `--repo "${repo}" is not a GitHub repository`,
      'give it as owner/name, e.g. --repo octo-org/payments',
    );
  return repo;
}

/** A Git branch name, as `ref:refs/heads/<branch>` in the token's subject. */
export function checkBranch(branch: string): string {
  if (!/^[A-Za-z0-9._/-]{1,255}$/.test(branch) || branch.startsWith('/') || branch.includes('..'))
    throw badOption(
      `--branch "${branch}" is not a branch name`,
      'give the default branch, e.g. --branch main',
    );
  return branch;
}

/** `--account`: the 12-digit AWS account id the role and the OIDC provider are in. */
export function checkAccount(account: string): string {
  if (!/^\d{12}$/.test(account))
    throw badOption(
      `--account "${account}" is not an AWS account id`,
      'give the 12 digits, e.g. --account 123456789012',
    );
  return account;
}

/**
 * The role's trust policy: GitHub's OIDC provider in the account, for tokens meant for STS from
 * this repository's `branch` only. A scheduled run is always on the default branch, so pinning the
 * subject to it (rather than `repo:owner/name:*`) keeps a pull request's or another branch's
 * workflow from assuming the role.
 */
export function githubTrustPolicy(repo: string, branch: string, account: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'FixedIpCiGithubOidc',
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
            [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repo}:ref:refs/heads/${branch}`,
          },
        },
      },
    ],
  };
}
