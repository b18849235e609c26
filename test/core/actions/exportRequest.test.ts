import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executionName, exportRequestOf, tagFilterReason } from '../../../src/core/actions/exportRequest.js';
import { exportRequestSchema } from '../../../src/core/actions/exportWorkflow.js';
import type { RecoveryPointPlan } from '../../../src/core/actions/planRecoveryPoint.js';
import { type ActionsConfig, ActionsSchema } from '../../../src/core/config/actionsSchema.js';

const ARN = 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-0123';
/** Step Functions execution names: 1–80 characters, no whitespace, brackets, wildcards, specials or controls. */
const SFN_NAME = /^[A-Za-z0-9_-]{1,80}$/;

describe('executionName', () => {
  it('is rp-<hash>-<name>-a<attempt>', () => {
    expect(executionName(ARN, 'Prod DB', 2)).toMatch(/^rp-[0-9a-f]{16}-prod-db-a2$/);
  });

  it('is deterministic, and differs by recovery point and attempt', () => {
    expect(executionName(ARN, 'prod-db', 1)).toBe(executionName(ARN, 'prod-db', 1));
    expect(executionName(ARN, 'prod-db', 1)).not.toBe(executionName(ARN, 'prod-db', 2));
    expect(executionName(ARN, 'prod-db', 1)).not.toBe(executionName(`${ARN}x`, 'prod-db', 1));
  });

  it('leaves out a name with nothing usable in it', () => {
    expect(executionName(ARN, '::::', 1)).toMatch(/^rp-[0-9a-f]{16}-a1$/);
    expect(executionName(ARN, '', 1)).toMatch(/^rp-[0-9a-f]{16}-a1$/);
  });

  it('cuts long names to 80 characters', () => {
    const name = executionName(ARN, 'x'.repeat(500), 12345);
    expect(name).toHaveLength(80);
    expect(name.endsWith('-a12345')).toBe(true);
  });

  it('always keeps Step Functions rules and the attempt suffix', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.string({ maxLength: 300 }),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        (resourceName, arn, attempt) => {
          const name = executionName(arn, resourceName, attempt);
          expect(name).toMatch(SFN_NAME);
          expect(name.startsWith('rp-')).toBe(true);
          expect(name.endsWith(`-a${attempt}`)).toBe(true);
        },
      ),
    );
  });
});

const actions: ActionsConfig = ActionsSchema.parse({
  enabled: true,
  vaults: [
    { name: 'prod-daily' },
    { name: 'dr-vault', accounts: ['444455556666'] },
    { name: 'us-only', regions: ['us-east-1'] },
  ],
  resourceTypes: { RDS: { export: 'parquet' }, Aurora: { export: 'parquet' } },
  deleteRecoveryPointAfterExport: true,
  filters: { includeTags: [{ key: 'backup', value: 'yes' }], excludeTags: [{ key: 'skip' }] },
});

const plan: RecoveryPointPlan = {
  action: 'rds-export',
  reason: 'backup job COMPLETED: export',
  trigger: 'backup job COMPLETED (prod-db)',
  recoveryPointArn: ARN,
  resourceType: 'RDS',
  vault: 'prod-daily',
  account: '111122223333',
  region: 'eu-west-1',
  resourceName: 'prod-db',
  fromBackup: true,
  workflow: 'rds-export-parquet',
  exportTaskIdentifier: 'vp-prod-db-0123456789ab-1',
  s3Prefix: 'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20',
  deleteAfterExport: true,
  checkedWhenRun: [],
};

describe('exportRequestOf', () => {
  it('makes a request that the workflow accepts', () => {
    const request = exportRequestOf(plan, actions, '2026-11-20T02:10:00.000Z', 3);
    expect(request).toEqual({
      workflow: 'rds-export-parquet',
      recoveryPointArn: ARN,
      resourceType: 'RDS',
      vault: 'prod-daily',
      watchedVaults: ['prod-daily'],
      account: '111122223333',
      region: 'eu-west-1',
      resourceName: 'prod-db',
      trigger: 'backup job COMPLETED (prod-db)',
      fromBackup: true,
      deleteAfterExport: true,
      attempt: 3,
      exportTaskIdentifier: plan.exportTaskIdentifier,
      s3Prefix: plan.s3Prefix,
      includeTags: [{ key: 'backup', value: 'yes' }],
      excludeTags: [{ key: 'skip' }],
      sourcePatterns: [],
      requestedAt: '2026-11-20T02:10:00.000Z',
    });
    expect(exportRequestSchema.parse(request)).toEqual(request);
  });

  it('watches only the vaults of the account and Region', () => {
    expect(
      exportRequestOf({ ...plan, account: '444455556666', region: 'us-east-1' }, actions, 'now')?.watchedVaults,
    ).toEqual(['prod-daily', 'dr-vault', 'us-only']);
    expect(exportRequestOf({ ...plan, region: 'us-east-1' }, actions, 'now')?.watchedVaults).toEqual([
      'prod-daily',
      'us-only',
    ]);
  });

  it('defaults attempt 1, and fills in what a plan may lack', () => {
    const { vault: _v, trigger: _t, fromBackup: _f, resourceName: _r, ...bare } = plan;
    const request = exportRequestOf({ ...bare, sourcePatterns: ['prod-*'] }, actions, 'now');
    expect(request?.attempt).toBe(1);
    expect(request).not.toHaveProperty('vault');
    expect(request?.trigger).toBe(plan.reason);
    expect(request?.fromBackup).toBe(false);
    expect(request?.resourceName).toBe('unknown');
    expect(request?.sourcePatterns).toEqual(['prod-*']);
  });

  it('does not share the configuration arrays', () => {
    const request = exportRequestOf(plan, actions, 'now');
    expect(request?.includeTags[0]).not.toBe(actions.filters.includeTags[0]);
  });

  it.each([
    ['another action', { action: 'none' as const }],
    ['no recovery point', { recoveryPointArn: undefined }],
    ['no resource type', { resourceType: undefined }],
    ['no export id', { exportTaskIdentifier: undefined }],
    ['no prefix', { s3Prefix: undefined }],
  ])('is undefined for %s', (_name, change) => {
    expect(exportRequestOf({ ...plan, ...change } as RecoveryPointPlan, actions, 'now')).toBeUndefined();
  });
});

describe('tagFilterReason', () => {
  it('lets everything through without filters', () => {
    expect(tagFilterReason({}, [], [])).toBeUndefined();
    expect(tagFilterReason({ a: '1' }, [], [])).toBeUndefined();
  });

  it('excludes by key, or key and value', () => {
    expect(tagFilterReason({ skip: '' }, [], [{ key: 'skip' }])).toMatch(/tag skip is excluded/);
    expect(tagFilterReason({ env: 'dev' }, [], [{ key: 'env', value: 'dev' }])).toMatch(/tag env=dev is excluded/);
    expect(tagFilterReason({ env: 'prod' }, [], [{ key: 'env', value: 'dev' }])).toBeUndefined();
  });

  it('needs one of the include filters', () => {
    const include = [{ key: 'backup', value: 'yes' }, { key: 'export' }];
    expect(tagFilterReason({ backup: 'yes' }, include, [])).toBeUndefined();
    expect(tagFilterReason({ export: 'anything' }, include, [])).toBeUndefined();
    expect(tagFilterReason({ backup: 'no' }, include, [])).toMatch(/none of the tags in actions\.filters\.includeTags/);
    expect(tagFilterReason({}, include, [])).toMatch(/includeTags/);
  });

  it('an exclusion wins over an inclusion', () => {
    expect(tagFilterReason({ backup: 'yes', skip: 'x' }, [{ key: 'backup' }], [{ key: 'skip' }])).toMatch(/excluded/);
  });

  it('does not see inherited properties as tags', () => {
    expect(tagFilterReason({}, [{ key: 'constructor' }], [])).toMatch(/includeTags/);
    expect(tagFilterReason({}, [], [{ key: 'toString' }])).toBeUndefined();
  });
});
