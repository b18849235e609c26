import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTION_ERRORS,
  ACTION_TASKS,
  ActionError,
  EXPORT_STATES,
  EXPORT_TIMING,
  exportRequestSchema,
  nextPollSeconds,
  TASK_STATES,
} from '../../../src/core/actions/exportWorkflow.js';

describe('nextPollSeconds', () => {
  it('waits 60 s, doubling, at most 600 s', () => {
    expect([0, 1, 2, 3, 4, 5, 10, 100].map(nextPollSeconds)).toEqual([60, 120, 240, 480, 600, 600, 600, 600]);
  });

  it('treats a negative count as the first poll', () => {
    expect(nextPollSeconds(-3)).toBe(60);
  });

  it('is monotonic and within bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 2000 }), (n) => {
        const s = nextPollSeconds(n);
        expect(s).toBeGreaterThanOrEqual(EXPORT_TIMING.firstPollSeconds);
        expect(s).toBeLessThanOrEqual(EXPORT_TIMING.maxPollSeconds);
        expect(Number.isFinite(s)).toBe(true);
        expect(nextPollSeconds(n + 1)).toBeGreaterThanOrEqual(s);
      }),
    );
  });
});

const minimal = {
  workflow: 'rds-export-parquet',
  recoveryPointArn: 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1',
  resourceType: 'RDS',
  account: '111122223333',
  region: 'eu-west-1',
  resourceName: 'prod-db',
  trigger: 'backup job COMPLETED',
  fromBackup: true,
  deleteAfterExport: false,
  attempt: 1,
  exportTaskIdentifier: 'vp-prod-db-0123456789ab-1',
  s3Prefix: 'exports/account=1/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20',
  requestedAt: '2026-11-20T02:10:00Z',
};

describe('exportRequestSchema', () => {
  it('defaults the lists to empty', () => {
    const parsed = exportRequestSchema.parse(minimal);
    expect(parsed.watchedVaults).toEqual([]);
    expect(parsed.includeTags).toEqual([]);
    expect(parsed.excludeTags).toEqual([]);
    expect(parsed.sourcePatterns).toEqual([]);
    expect(parsed).not.toHaveProperty('vault');
    expect(parsed).not.toHaveProperty('executionArn');
  });

  it.each([
    ['another workflow', { workflow: 'ebs' }],
    ['an empty recovery point', { recoveryPointArn: '' }],
    ['an unknown resource type', { resourceType: 'EFS' }],
    ['attempt 0', { attempt: 0 }],
    ['a fractional attempt', { attempt: 1.5 }],
    ['an empty prefix', { s3Prefix: '' }],
    ['an empty export id', { exportTaskIdentifier: '' }],
    ['fromBackup as a string', { fromBackup: 'true' }],
    ['a tag filter without key', { includeTags: [{ value: 'x' }] }],
  ])('refuses %s', (_name, change) => {
    expect(exportRequestSchema.safeParse({ ...minimal, ...change }).success).toBe(false);
  });

  it.each(['fromBackup', 'deleteAfterExport', 'attempt', 'requestedAt'])('requires %s', (field) => {
    const { [field as keyof typeof minimal]: _gone, ...rest } = minimal;
    expect(exportRequestSchema.safeParse(rest).success).toBe(false);
  });

  it('keeps tag filters with and without value', () => {
    const parsed = exportRequestSchema.parse({
      ...minimal,
      includeTags: [{ key: 'backup' }, { key: 'env', value: 'prod' }],
    });
    expect(parsed.includeTags).toEqual([{ key: 'backup' }, { key: 'env', value: 'prod' }]);
  });
});

describe('ActionError', () => {
  it('is named by its error name, which Step Functions matches', () => {
    const cause = new Error('root');
    const e = new ActionError(ACTION_ERRORS.exportSlotsBusy, 'five exports run', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ExportSlotsBusy');
    expect(e.errorName).toBe('ExportSlotsBusy');
    expect(e.message).toBe('five exports run');
    expect(e.cause).toBe(cause);
    expect(String(e)).toBe('ExportSlotsBusy: five exports run');
  });

  it('has distinct error names', () => {
    const names = Object.values(ACTION_ERRORS);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('TASK_STATES', () => {
  it('names a state of the workflow for every Task', () => {
    const states = new Set<string>(Object.values(EXPORT_STATES));
    for (const task of ACTION_TASKS) expect(states.has(TASK_STATES[task].state)).toBe(true);
  });
});
