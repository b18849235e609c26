import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACTION_OUTCOMES } from '../../../src/core/actions/exportWorkflow.js';
import { ACTION_SIGNAL_OUTCOMES, splitS3Uri } from '../../../src/core/normalize/actionResultEvents.js';
import { classifySeverity } from '../../../src/core/normalize/classifySeverity.js';
import { normalizeEvent } from '../../../src/core/normalize/normalizeEvent.js';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { signalProblems } from '../../../src/core/normalize/signalSchema.js';
import { renderSignal } from '../../../src/core/render/renderSignal.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/events/actions');
type ActionEvent = { detail: Record<string, unknown> } & Record<string, unknown>;
const fixture = (name: string): ActionEvent =>
  JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as ActionEvent;
const withDetail = (name: string, change: (d: Record<string, unknown>) => void): ActionEvent => {
  const event = fixture(name);
  change(event.detail);
  return event;
};

describe('action result events', () => {
  it('maps every action outcome to an outcome and severity', () => {
    expect(Object.keys(ACTION_SIGNAL_OUTCOMES).sort()).toEqual([...ACTION_OUTCOMES].sort());
    const severities = Object.fromEntries(
      ACTION_OUTCOMES.map((o) => [o, classifySeverity({ kind: 'action', outcome: ACTION_SIGNAL_OUTCOMES[o] })]),
    );
    expect(severities).toEqual({
      exported: 'info',
      'exported-partially': 'warning',
      'not-exportable': 'warning',
      failed: 'critical',
    });
  });

  it('reads an export with deletion', () => {
    const s = normalizeEvent(fixture('exported-deleted'));
    expect(signalProblems(s)).toBeUndefined();
    expect(s).toMatchObject({
      kind: 'action',
      outcome: 'succeeded',
      severity: 'info',
      state: 'exported',
      account: '111122223333',
      region: 'eu-west-1',
      vault: { name: 'prod-vault' },
      resource: { type: 'RDS', name: 'prod-db' },
      jobId: 'vp-prod-db-2026-11-20-02-10-3f9a0c1b2d4e-1',
      times: { started: '2026-11-20T02:41:07.000Z', completed: '2026-11-20T04:12:29.000Z' },
    });
    expect(s.resource.arn).toBe(s.recoveryPointArn);
    expect(s.statusMessage).toBeUndefined();
    expect(s.details).toMatchObject({
      Tables: '12 of 12 tables complete',
      Size: '1.2 GiB (1288490189 bytes)',
      Deletion: 'deleted',
      Workflow: 'rds-export-parquet (to Parquet)',
    });
    expect(s.links.map((l) => l.label)).toEqual([
      'Step Functions execution',
      'S3 archive',
      'RDS snapshot',
      'Backup vault',
    ]);
    expect(s.links[0]?.url).toBe(
      'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:111122223333:execution:vaultpilot-rds-export-parquet:vp-prod-db-2026-11-20-02-10-3f9a0c1b2d4e-1',
    );
    expect(s.links[1]?.url).toMatch(
      /^https:\/\/s3\.console\.aws\.amazon\.com\/s3\/buckets\/vaultpilot-archive-111122223333-eu-west-1\?prefix=exports\/account%3D111122223333\/.*\/&region=eu-west-1$/,
    );
  });

  it('reads an export whose recovery point was kept', () => {
    const s = normalizeEvent(fixture('exported-kept'));
    expect(s).toMatchObject({ outcome: 'succeeded', severity: 'info' });
    expect(s.details.Deletion).toBe('kept: deleteAfterExport is off for vault prod-vault');
    expect(s.links.map((l) => l.label)).toContain('Recovery point');
  });

  it('reads a partial export with each warning', () => {
    const s = normalizeEvent(fixture('exported-partially'));
    expect(s).toMatchObject({ outcome: 'partial', severity: 'warning' });
    expect(s.details.Tables).toBe('12 of 14 tables complete');
    expect(s.details['Warning 1']).toMatch(/invoice_pdf_blobs: SKIPPED/);
    expect(s.details['Warning 2']).toMatch(/events_2019: FAILED/);
    expect(s.details.Deletion).toMatch(/^not deleted: /);
  });

  it('reads a recovery point that cannot be exported as stopped, a warning, with the reason', () => {
    const s = normalizeEvent(fixture('not-exportable'));
    expect(s).toMatchObject({ outcome: 'stopped', severity: 'warning' });
    expect(s.statusMessage).toBe('engine sqlserver-se: RDS cannot export SQL Server snapshots to S3');
  });

  it('reads a failure with its step, error and cause, and the cleanup', () => {
    const s = normalizeEvent(fixture('failed-start-export'));
    expect(s).toMatchObject({ outcome: 'failed', severity: 'critical' });
    expect(s.statusMessage).toMatch(/^Start export failed: KMSKeyNotAccessibleFault: The export task role /);
    expect(s.details.Cleanup).toBe('export cancelled, 3 objects removed, nothing left behind');
    expect(s.details['Left behind']).toBeUndefined();
  });

  it('puts what a failed cleanup left behind first among the details', () => {
    const s = normalizeEvent(fixture('failed-left-behind'));
    expect(Object.keys(s.details)[0]).toBe('Left behind');
    expect(s.details['Left behind']).toMatch(/412 objects: AccessDenied.*; KMS grant/);
    expect(s.details.Cleanup).toBe('1,208 objects removed, 2 things LEFT BEHIND');
  });

  it('gives the same id to the same result delivered twice (bare and through SNS)', () => {
    const event = fixture('failed-start-export');
    const viaSns = {
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: { TopicArn: 'arn:aws:sns:eu-west-1:111122223333:t', Message: JSON.stringify({ ...event, id: 'other' }) },
        },
      ],
    };
    const [again] = normalizeInput(viaSns);
    expect(again?.id).toBe(normalizeEvent(event).id);
    expect(normalizeEvent(fixture('failed-left-behind')).id).not.toBe(normalizeEvent(event).id);
  });

  it('says which field is wrong when the detail does not match the schema', () => {
    const missing = normalizeEvent(withDetail('failed-start-export', (d) => delete d.outcome));
    expect(missing).toMatchObject({ kind: 'unparsed', severity: 'warning', eventType: 'Vaultpilot Action Result' });
    expect(missing.reason).toMatch(/^Vaultpilot Action Result: detail\.outcome: /);

    const unknownOutcome = normalizeEvent(withDetail('failed-start-export', (d) => (d.outcome = 'deleted')));
    expect(unknownOutcome.reason).toMatch(/^Vaultpilot Action Result: detail\.outcome: /);

    const wrongType = normalizeEvent(withDetail('exported-deleted', (d) => (d.tables = '12')));
    expect(wrongType.reason).toMatch(/^Vaultpilot Action Result: detail\.tables: .*expected number/);

    const badCleanup = normalizeEvent(
      withDetail('failed-left-behind', (d) => (d.cleanup = { exportCancelled: 'yes' })),
    );
    expect(badCleanup.reason).toMatch(/^Vaultpilot Action Result: detail\.cleanup\./);

    const noDetail = normalizeEvent({ ...fixture('exported-deleted'), detail: 'exported' });
    expect(noDetail.kind).toBe('unparsed');
  });

  it('keeps another detail-type from vaultpilot.actions as unparsed, saying so', () => {
    const s = normalizeEvent({ ...fixture('exported-deleted'), 'detail-type': 'Vaultpilot Action Started' });
    expect(s.kind).toBe('unparsed');
    expect(s.reason).toBe(
      'unsupported Vaultpilot action event: detail-type "Vaultpilot Action Started" (expected "Vaultpilot Action Result")',
    );
  });

  it('bounds huge strings and still renders within every limit', () => {
    const huge = 'x'.repeat(300_000);
    const s = normalizeEvent(
      withDetail('failed-left-behind', (d) => {
        d.cause = huge;
        d.resourceName = huge;
        d.failedStep = huge;
        d.warnings = Array.from({ length: 50 }, (_, i) => `${i}: ${huge}`);
        d.cleanup = { exportCancelled: true, objectsDeleted: 1, leftBehind: [huge, huge] };
      }),
    );
    expect(signalProblems(s)).toBeUndefined();
    expect(s.kind).toBe('action');
    expect(s.statusMessage?.length).toBeLessThanOrEqual(8_192);
    expect(s.resource.name?.length).toBeLessThanOrEqual(2_048);
    for (const value of Object.values(s.details)) expect(value.length).toBeLessThanOrEqual(4_096);
    expect(s.details['More warnings']).toBe('40 more (the manifest lists every one)');
    expect(s.shortened?.map((c) => c.field)).toEqual(expect.arrayContaining(['statusMessage', 'resource.name']));
    const r = renderSignal(s);
    expect(r.subject.length).toBeLessThanOrEqual(99);
    expect(r.subject).toMatch(/^Export FAILED at x+\.\.\.: x+\.\.\..* \(Aurora\)$/);
    expect(r.text.length).toBeLessThan(200_000);
  });

  it('leaves links out rather than guessing when the region is not a region', () => {
    const s = normalizeEvent({ ...withDetail('exported-deleted', (d) => (d.region = 'Ireland')), region: undefined });
    expect(s.region).toBeUndefined();
    expect(s.links.map((l) => l.label)).toEqual(['RDS snapshot']);
  });

  it('splits s3 URIs', () => {
    expect(splitS3Uri('s3://bucket/a/b/')).toEqual({ bucket: 'bucket', prefix: 'a/b/' });
    expect(splitS3Uri('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(splitS3Uri('https://bucket/a')).toBeUndefined();
    expect(splitS3Uri(undefined)).toBeUndefined();
  });
});
