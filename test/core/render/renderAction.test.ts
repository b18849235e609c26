import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { renderSignal } from '../../../src/core/render/renderSignal.js';
import type { Signal } from '../../../src/core/signal.js';
import { limitViolations, repoRoot } from './renderingChecks.js';

const signalOf = (name: string): Signal => {
  const input = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/events/actions', `${name}.json`), 'utf8'));
  const [signal] = normalizeInput(input);
  if (!signal) throw new Error(`no signal from ${name}`);
  return signal;
};

describe('rendering action signals', () => {
  it.each([
    ['exported-deleted', 'Exported to Parquet: prod-db (RDS), 12 tables, 1.2 GiB, recovery point deleted'],
    ['exported-kept', 'Exported to Parquet: orders-aurora (Aurora), 48 tables, 37 GiB, recovery point kept'],
    ['exported-partially', 'Export PARTIAL: billing-db (RDS), 2 of 14 tables not exported in 111122223333 / eu-west-1'],
    ['not-exportable', 'Not exportable: erp-sql (RDS), engine sqlserver-se in 111122223333 / eu-west-1'],
    ['failed-start-export', 'Export FAILED at Start export: prod-db (RDS) in 111122223333 / eu-west-1'],
    ['failed-left-behind', 'Export FAILED at Verify export: orders-aurora (Aurora), 2 things LEFT BEHIND'],
  ])('gives %s a subject that reads in five seconds', (name, subject) => {
    const r = renderSignal(signalOf(name));
    expect(r.subject).toBe(subject);
    expect(limitViolations(r)).toEqual([]);
  });

  it('says first what a failed cleanup left behind, in every channel', () => {
    const r = renderSignal(signalOf('failed-left-behind'));
    const summary = r.text.split('\n\n')[0] ?? '';
    expect(summary).toMatch(/LEFT BEHIND by the cleanup, to remove by hand: s3:\/\/.*line_items\/ \(412 objects/);
    expect(JSON.stringify(r.slack)).toContain('LEFT BEHIND by the cleanup');
    expect(JSON.stringify(r.teams)).toContain('LEFT BEHIND by the cleanup');
    expect(r.webhook.details['Left behind']).toMatch(/KMS grant/);
  });

  it('says what became of the export and of the recovery point when nothing failed', () => {
    expect(renderSignal(signalOf('exported-deleted')).text).toContain(
      'prod-db (RDS) was exported to Parquet in account 111122223333, eu-west-1: 12 of 12 tables complete, 1.2 GiB in s3://',
    );
    expect(renderSignal(signalOf('exported-partially')).text).toMatch(
      /the missing tables are not in the archive\. The recovery point was not deleted: .* 2 warnings below\./,
    );
    expect(renderSignal(signalOf('not-exportable')).text).toContain(
      'erp-sql (RDS) cannot be exported to Parquet in account 111122223333, eu-west-1: engine sqlserver-se: RDS cannot export SQL Server snapshots to S3. Its data will not reach the archive.',
    );
  });

  it('links the execution, the archive and the snapshot', () => {
    const r = renderSignal(signalOf('failed-start-export'));
    expect(r.text).toContain(
      'Step Functions execution: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:',
    );
    expect(r.text).toContain(
      'S3 archive: https://s3.console.aws.amazon.com/s3/buckets/vaultpilot-archive-111122223333-eu-west-1?prefix=exports/',
    );
    expect(r.text).toContain(
      'RDS snapshot: https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#db-snapshot:id=',
    );
  });
});
