import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportArchivePrefix, exportS3Prefix, keyDate } from '../../../src/core/actions/archiveKeys.js';

describe('exportS3Prefix', () => {
  it('lays exports out Hive-style: account, region, type, resource, date', () => {
    expect(
      exportS3Prefix({
        account: '111122223333',
        region: 'eu-west-1',
        resourceType: 'Aurora',
        resourceName: 'orders-aurora',
        time: '2026-11-20T23:59:59.999+00:00',
      }),
    ).toBe('exports/account=111122223333/region=eu-west-1/type=aurora/resource=orders-aurora/date=2026-11-20');
  });

  it('puts the export id last in the archive prefix', () => {
    expect(
      exportArchivePrefix({
        account: '111122223333',
        region: 'eu-west-1',
        resourceType: 'RDS',
        resourceName: 'prod-db',
        time: '2026-11-20T02:10:00Z',
        exportTaskIdentifier: 'vp-prod-db-0123456789ab-1',
      }),
    ).toBe(
      'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20/vp-prod-db-0123456789ab-1/',
    );
  });

  it('never holds a colon, an empty segment or a stray `=`, whatever the names', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string(),
        fc.string(),
        fc.option(fc.string(), { nil: undefined }),
        (account, region, type, name, time) => {
          const prefix = exportS3Prefix({ account, region, resourceType: type, resourceName: name, time });
          expect(prefix).not.toContain(':');
          const segments = prefix.split('/');
          expect(segments[0]).toBe('exports');
          expect(segments.slice(1).map((s) => s.split('=')[0])).toEqual([
            'account',
            'region',
            'type',
            'resource',
            'date',
          ]);
          for (const segment of segments.slice(1)) expect(segment).toMatch(/^[a-z]+=[A-Za-z0-9._-]+$/);
          expect(segments.at(-1)).toMatch(/^date=(\d{4}-\d{2}-\d{2}|unknown)$/);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('makes snapshot names with colons safe', () => {
    const prefix = exportS3Prefix({
      account: '1',
      region: 'r',
      resourceType: 'RDS',
      resourceName: 'rds:prod-db',
      time: undefined,
    });
    expect(prefix).toBe('exports/account=1/region=r/type=rds/resource=rds-prod-db/date=unknown');
  });
});

describe('keyDate', () => {
  it('is the UTC date of the time', () => {
    expect(keyDate('2026-11-20T23:30:00-02:00')).toBe('2026-11-21');
    expect(keyDate('not a time')).toBe('unknown');
  });
});

describe('DynamoDB keys', () => {
  it('are type=dynamodb and resource=<table>', () => {
    expect(
      exportS3Prefix({
        account: '111122223333',
        region: 'eu-west-1',
        resourceType: 'DynamoDB',
        resourceName: 'Orders',
        time: '2026-11-20T02:31:09Z',
      }),
    ).toBe('exports/account=111122223333/region=eu-west-1/type=dynamodb/resource=Orders/date=2026-11-20');
  });
});
