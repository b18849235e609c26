import {
  AccessDeniedException,
  DescribePolicyCommand,
  InvalidInputException,
  ListPoliciesCommand,
  OrganizationsClient,
  PolicyNotFoundException,
  type PolicySummary,
  PolicyType,
  PolicyTypeNotEnabledException,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PolicyListingError } from '../../../src/aws/organizations/OrganizationsError.js';
import { OrganizationsPolicyLister, POLICY_TYPES } from '../../../src/aws/organizations/OrganizationsPolicyLister.js';
import type { Clock } from '../../../src/aws/retry/Clock.js';

const organizations = mockClient(OrganizationsClient);
const meta = { $metadata: {} };

/** A clock whose sleeps return at once and are recorded. */
function instantClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => 0, sleep: async (ms) => void sleeps.push(ms) };
}

function summary(type: string, i: number): PolicySummary {
  const id = `p-${type.slice(0, 3).toLowerCase()}${String(i).padStart(8, '0')}`;
  return {
    Id: id,
    Name: `${type}-${i}`,
    Type: type as PolicyType,
    Arn: `arn:aws:organizations::111111111111:policy/o-a1b2c3d4e5/${type.toLowerCase()}/${id}`,
    AwsManaged: false,
  };
}

function lister(types: readonly string[], clock = instantClock()) {
  return new OrganizationsPolicyLister(new OrganizationsClient({ region: 'us-east-1' }), {
    policyTypes: types,
    retry: { clock, random: () => 0.5 },
  });
}

beforeEach(() => organizations.reset());

describe('POLICY_TYPES', () => {
  it('asks for every type Vaultpilot knows and every type the installed SDK knows', () => {
    for (const type of ['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY', 'TAG_POLICY', 'BACKUP_POLICY']) {
      expect(POLICY_TYPES).toContain(type);
    }
    for (const type of [
      'AISERVICES_OPT_OUT_POLICY',
      'CHATBOT_POLICY',
      'DECLARATIVE_POLICY_EC2',
      'SECURITYHUB_POLICY',
    ]) {
      expect(POLICY_TYPES).toContain(type);
    }
    for (const type of Object.values(PolicyType)) expect(POLICY_TYPES).toContain(type);
    expect(new Set(POLICY_TYPES).size).toBe(POLICY_TYPES.length);
  });
});

describe('OrganizationsPolicyLister', () => {
  it('follows NextToken through every page, also past an empty page that carries a token', async () => {
    organizations
      .on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY', NextToken: undefined })
      .resolves({
        ...meta,
        Policies: [summary('SERVICE_CONTROL_POLICY', 1), summary('SERVICE_CONTROL_POLICY', 2)],
        NextToken: 't1',
      })
      .on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY', NextToken: 't1' })
      .resolves({ ...meta, Policies: [], NextToken: 't2' })
      .on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY', NextToken: 't2' })
      .resolves({ ...meta, Policies: [summary('SERVICE_CONTROL_POLICY', 3)] });
    const listing = await lister(['SERVICE_CONTROL_POLICY']).listAll();
    expect(listing.policies.map((p) => p.name)).toEqual([
      'SERVICE_CONTROL_POLICY-1',
      'SERVICE_CONTROL_POLICY-2',
      'SERVICE_CONTROL_POLICY-3',
    ]);
    expect(listing.skippedTypes).toEqual([]);
    expect(organizations.commandCalls(ListPoliciesCommand).map((c) => c.args[0].input)).toEqual([
      { Filter: 'SERVICE_CONTROL_POLICY', MaxResults: 20, NextToken: undefined },
      { Filter: 'SERVICE_CONTROL_POLICY', MaxResults: 20, NextToken: 't1' },
      { Filter: 'SERVICE_CONTROL_POLICY', MaxResults: 20, NextToken: 't2' },
    ]);
  });

  it('carries the document of backup policies only (DescribePolicy), as a JSON string', async () => {
    const backup = summary('BACKUP_POLICY', 1);
    organizations
      .on(ListPoliciesCommand, { Filter: 'BACKUP_POLICY' })
      .resolves({ ...meta, Policies: [backup] })
      .on(ListPoliciesCommand, { Filter: 'TAG_POLICY' })
      .resolves({ ...meta, Policies: [summary('TAG_POLICY', 1)] })
      .on(DescribePolicyCommand, { PolicyId: backup.Id })
      .resolves({ ...meta, Policy: { PolicySummary: backup, Content: '{"plans":{}}' } });
    const listing = await lister(['BACKUP_POLICY', 'TAG_POLICY']).listAll();
    expect(listing.policies).toEqual([
      {
        id: backup.Id,
        name: backup.Name,
        type: 'BACKUP_POLICY',
        arn: backup.Arn,
        awsManaged: false,
        content: '{"plans":{}}',
      },
      expect.not.objectContaining({ content: expect.anything() }),
    ]);
    expect(organizations.commandCalls(DescribePolicyCommand)).toHaveLength(1);
  });

  it('retries throttled calls with growing jittered waits and loses nothing', async () => {
    const clock = instantClock();
    const throttled = () => new TooManyRequestsException({ ...meta, message: 'Rate exceeded' });
    const backup = summary('BACKUP_POLICY', 7);
    organizations
      .on(ListPoliciesCommand, { Filter: 'BACKUP_POLICY', NextToken: undefined })
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ ...meta, Policies: [summary('BACKUP_POLICY', 6)], NextToken: 'next' })
      .on(ListPoliciesCommand, { Filter: 'BACKUP_POLICY', NextToken: 'next' })
      .rejectsOnce(throttled())
      .resolves({ ...meta, Policies: [backup] })
      .on(DescribePolicyCommand)
      .rejectsOnce(throttled())
      .resolves({ ...meta, Policy: { Content: '{}' } });
    const listing = await lister(['BACKUP_POLICY'], clock).listAll();
    expect(listing.policies.map((p) => p.name)).toEqual(['BACKUP_POLICY-6', 'BACKUP_POLICY-7']);
    expect(listing.policies.every((p) => p.content === '{}')).toBe(true);
    expect(clock.sleeps).toHaveLength(4);
    // Full jitter (random 0.5) of 200 ms doubling: the second retry of one call waits longer than the first.
    expect(clock.sleeps.slice(0, 2)).toEqual([100, 200]);
  });

  it('skips and reports a type the organization has not enabled or the API does not accept, and lists the rest', async () => {
    organizations
      .on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY' })
      .resolves({ ...meta, Policies: [summary('SERVICE_CONTROL_POLICY', 1)] })
      .on(ListPoliciesCommand, { Filter: 'CHATBOT_POLICY' })
      .rejects(
        new PolicyTypeNotEnabledException({
          ...meta,
          message: 'This operation can be performed only for enabled policy types.',
        }),
      )
      .on(ListPoliciesCommand, { Filter: 'BEDROCK_POLICY' })
      .rejects(
        new InvalidInputException({ ...meta, message: 'Invalid policy type', Reason: 'INVALID_ENUM_POLICY_TYPE' }),
      )
      .on(ListPoliciesCommand, { Filter: 'TAG_POLICY' })
      .resolves({ ...meta, Policies: [summary('TAG_POLICY', 1)] });
    const listing = await lister([
      'SERVICE_CONTROL_POLICY',
      'CHATBOT_POLICY',
      'BEDROCK_POLICY',
      'TAG_POLICY',
    ]).listAll();
    expect(listing.policies.map((p) => p.type)).toEqual(['SERVICE_CONTROL_POLICY', 'TAG_POLICY']);
    expect(listing.skippedTypes).toEqual([
      { type: 'CHATBOT_POLICY', reason: expect.stringMatching(/^PolicyTypeNotEnabledException: /) },
      {
        type: 'BEDROCK_POLICY',
        reason: expect.stringMatching(/^InvalidInputException \(INVALID_ENUM_POLICY_TYPE\): /),
      },
    ]);
  });

  it('keeps the policies of a type listed before a later page was refused, and reports the type', async () => {
    organizations
      .on(ListPoliciesCommand, { Filter: 'TAG_POLICY', NextToken: undefined })
      .resolves({ ...meta, Policies: [summary('TAG_POLICY', 1)], NextToken: 'bad' })
      .on(ListPoliciesCommand, { Filter: 'TAG_POLICY', NextToken: 'bad' })
      .rejects(new InvalidInputException({ ...meta, message: 'bad token', Reason: 'INVALID_NEXT_TOKEN' }));
    const listing = await lister(['TAG_POLICY']).listAll();
    expect(listing.policies).toHaveLength(1);
    expect(listing.skippedTypes).toEqual([
      { type: 'TAG_POLICY', reason: expect.stringContaining('INVALID_NEXT_TOKEN') },
    ]);
  });

  it('keeps a backup policy deleted between listing and describing, without its document', async () => {
    organizations
      .on(ListPoliciesCommand)
      .resolves({ ...meta, Policies: [summary('BACKUP_POLICY', 1)] })
      .on(DescribePolicyCommand)
      .rejects(new PolicyNotFoundException({ ...meta, message: 'gone' }));
    const listing = await lister(['BACKUP_POLICY']).listAll();
    expect(listing.policies).toEqual([expect.objectContaining({ type: 'BACKUP_POLICY' })]);
    expect(listing.policies[0]?.content).toBeUndefined();
  });

  it('fails naming the type when it cannot list at all (not the management account, throttled for good)', async () => {
    organizations
      .on(ListPoliciesCommand)
      .rejects(new AccessDeniedException({ ...meta, message: 'You do not have access' }));
    const error = await lister(['SERVICE_CONTROL_POLICY'])
      .listAll()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyListingError);
    expect(error).toMatchObject({
      policyType: 'SERVICE_CONTROL_POLICY',
      message: expect.stringContaining('AccessDeniedException'),
    });
    expect((error as Error).cause).toBeInstanceOf(AccessDeniedException);

    organizations.reset();
    const clock = instantClock();
    organizations.on(ListPoliciesCommand).rejects(new TooManyRequestsException({ ...meta, message: 'Rate exceeded' }));
    await expect(lister(['TAG_POLICY'], clock).listAll()).rejects.toThrow(
      /ListPolicies of TAG_POLICY failed: TooManyRequestsException/,
    );
    expect(organizations.commandCalls(ListPoliciesCommand)).toHaveLength(8);
    expect(clock.sleeps).toHaveLength(7);
  });
});
