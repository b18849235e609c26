import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../src/core/normalize/normalizeEvent.js';
import { signalProblems } from '../../../src/core/normalize/signalSchema.js';
import { loadFixtures } from './fixtureCorpus.js';

const corpus = new Map(loadFixtures().map((f) => [f.name, f.input]));
/** A deep copy of a fixture, so a test can change it. */
function fixture(name: string): Record<string, unknown> & { detail: Record<string, unknown> } {
  const input = corpus.get(name);
  if (input === undefined) throw new Error(`no fixture ${name}`);
  return structuredClone(input) as Record<string, unknown> & { detail: Record<string, unknown> };
}

describe('normalizeEvent', () => {
  it('marks a backup job COMPLETED with a status message as completed-with-issues', () => {
    const event = fixture('eventbridge-backup/backup-job-completed');
    event.detail.statusMessage = 'Some files were skipped.';
    const signal = normalizeEvent(event);
    expect(signal).toMatchObject({ kind: 'backup-job', outcome: 'completed-with-issues', severity: 'warning' });
  });

  it('marks a backup job COMPLETED with an empty or quote-only status message as succeeded', () => {
    for (const statusMessage of ['', '""', '   ']) {
      const event = fixture('eventbridge-backup/backup-job-completed');
      event.detail.statusMessage = statusMessage;
      expect(normalizeEvent(event).outcome).toBe('succeeded');
    }
  });

  it('strips the quotes around a status message', () => {
    expect(normalizeEvent(fixture('eventbridge-backup/backup-job-aborted')).statusMessage).toBe(
      'Backup job was stopped by user.',
    );
  });

  it('gives the same id to the same transition delivered in two envelopes', () => {
    const first = fixture('eventbridge-backup/backup-job-failed');
    const second = {
      ...fixture('eventbridge-backup/backup-job-failed'),
      id: 'another-envelope-id',
      time: '2026-11-20T02:20:00Z',
    };
    expect(normalizeEvent(second).id).toBe(normalizeEvent(first).id);
  });

  it('gives different ids to different states of the same job', () => {
    const running = normalizeEvent(fixture('eventbridge-backup/backup-job-running'));
    const completed = normalizeEvent(fixture('eventbridge-backup/backup-job-completed'));
    expect(running.jobId).toBe(completed.jobId);
    expect(running.id).not.toBe(completed.id);
  });

  it('reads restore jobs by `status`, and the restore CREATED event by `state`', () => {
    expect(normalizeEvent(fixture('eventbridge-backup/restore-job-failed'))).toMatchObject({
      kind: 'restore-job',
      outcome: 'failed',
      state: 'FAILED',
    });
    expect(normalizeEvent(fixture('eventbridge-backup/restore-job-created'))).toMatchObject({
      kind: 'restore-job',
      outcome: 'created',
    });
  });

  it('reads recovery points by `status`', () => {
    expect(normalizeEvent(fixture('eventbridge-backup/recovery-point-partial'))).toMatchObject({
      kind: 'recovery-point',
      outcome: 'partial',
      state: 'PARTIAL',
    });
  });

  it('reads threats found by a scan as threats-found whatever state the job ended in', () => {
    const event = fixture('eventbridge-backup/scan-completed-with-issues');
    event.detail.scanResult = { scanResultStatus: 'THREATS_FOUND' };
    expect(normalizeEvent(event)).toMatchObject({ kind: 'scan', outcome: 'threats-found', severity: 'critical' });
  });

  it('reads an aws.backup detail-type it does not know as a signal, not as unparsed', () => {
    const event = fixture('eventbridge-backup/backup-job-failed');
    event['detail-type'] = 'Backup Job Tier Change';
    const signal = normalizeEvent(event);
    expect(signal).toMatchObject({ kind: 'backup-job', outcome: 'failed', eventType: 'Backup Job Tier Change' });
    expect(signal.details.Note).toContain('does not know');
  });

  it('keeps the policy id of a DeletePolicy, which carries no policy type', () => {
    const signal = normalizeEvent(fixture('cloudtrail/organizations-deletepolicy'));
    expect(signal.policy).toEqual({ id: 'p-7x2k9m4q1z', operation: 'DeletePolicy' });
    expect(signal).toMatchObject({ kind: 'policy-change', outcome: 'deleted', severity: 'critical' });
  });

  it('keeps a policy document that is not valid JSON exactly as sent', () => {
    const event = fixture('cloudtrail/organizations-updatepolicy.seed');
    const content = 'not {json\n at all';
    (event.detail.requestParameters as Record<string, unknown>).content = content;
    expect(normalizeEvent(event).policy?.content).toBe(content);
  });

  it('names the refused call and who tried it', () => {
    const signal = normalizeEvent(fixture('cloudtrail/backup-deleterecoverypoint-denied'));
    expect(signal).toMatchObject({ kind: 'tamper', outcome: 'failed', severity: 'critical' });
    expect(signal.actor).toBe('arn:aws:sts::111122223333:assumed-role/developer/mallory');
    expect(signal.details.Result).toMatch(/^refused: AccessDeniedException/);
  });

  it('gives a vault notification and the EventBridge event of the same job state the same id', () => {
    const sns = fixture('backup-vault-sns/backup-job-completed') as unknown as { Records: [{ Sns: unknown }] };
    const fromSns = normalizeEvent(sns.Records[0].Sns);
    const fromEventBridge = normalizeEvent(fixture('eventbridge-backup/backup-job-completed'));
    expect(fromSns.source).toBe('backup-vault-sns');
    expect(fromSns.id).toBe(fromEventBridge.id);
  });

  it('parses ARNs and ids from vault notification text whatever the spacing before the colons', () => {
    const sns = fixture('backup-vault-sns/backup-job-failed') as unknown as {
      Records: [{ Sns: { Message: string; MessageAttributes: unknown } }];
    };
    const notification = sns.Records[0].Sns;
    notification.MessageAttributes = {};
    notification.Message =
      'An AWS Backup job failed.  Resource ARN:arn:aws:dynamodb:eu-west-1:111122223333:table/orders .  BackupJob ID   :   7b3e9f1a-2c4d';
    expect(normalizeEvent(notification)).toMatchObject({
      kind: 'backup-job',
      outcome: 'failed',
      jobId: '7b3e9f1a-2c4d',
      region: 'eu-west-1',
      resource: { name: 'orders', type: 'DynamoDB' },
    });
  });

  it('takes the region of a vault notification from the topic when the text has no ARN with a region', () => {
    const sns = fixture('backup-vault-sns/backup-job-failed') as unknown as {
      Records: [{ Sns: { Message: string; TopicArn: string } }];
    };
    const notification = sns.Records[0].Sns;
    notification.Message = 'An AWS Backup job failed. Resource ARN : arn:aws:s3:::bucket. BackupJob ID : 1';
    notification.TopicArn = 'arn:aws:sns:ap-southeast-2:111122223333:t';
    expect(normalizeEvent(notification).region).toBe('ap-southeast-2');
  });

  it('tells automated, manual and AWS Backup RDS snapshots apart', () => {
    const origin = (name: string) => normalizeEvent(fixture(name)).details['Snapshot made by'];
    expect(origin('rds-eventbridge/automated-snapshot-created')).toBe('automated');
    expect(origin('rds-eventbridge/cluster-snapshot-creating')).toBe('manual');
    expect(origin('rds-eventbridge/awsbackup-snapshot-copy-finished')).toBe('AWS Backup');
  });

  it('reads an RDS snapshot event it does not know as a warning, not as unparsed', () => {
    const event = fixture('rds-eventbridge/automated-snapshot-created');
    event.detail.EventID = 'RDS-EVENT-0999';
    expect(normalizeEvent(event)).toMatchObject({ kind: 'rds-snapshot', outcome: 'unknown', severity: 'warning' });
  });

  it('says which field is wrong when it cannot read an event', () => {
    const event = fixture('eventbridge-backup/scan-failed');
    event.detail.state = { value: 'FAILED' };
    const signal = normalizeEvent(event);
    expect(signal.kind).toBe('unparsed');
    expect(signal.reason).toBe('Scan Job State Change: detail.state: Invalid input: expected string, received object');
  });

  it('turns an exception thrown while reading into an unparsed signal instead of throwing', () => {
    const hostile = {
      'detail-type': 'Backup Job State Change',
      source: 'aws.backup',
      get detail(): unknown {
        throw new Error('boom');
      },
    };
    const signal = normalizeEvent(hostile);
    expect(signal).toMatchObject({ kind: 'unparsed', severity: 'warning' });
    expect(signal.reason).toContain('boom');
    expect(signalProblems(signal)).toBeUndefined();
  });

  it('keeps the event it read as raw', () => {
    const event = fixture('eventbridge-backup/vault-deleted');
    expect(normalizeEvent(event).raw).toEqual(event);
  });
});

describe('normalizeEvent on SNS deliveries', () => {
  it('reads a single Lambda SNS record like its notification', () => {
    const event = structuredClone(corpus.get('backup-vault-sns/backup-job-failed')) as { Records: [unknown] };
    const record = event.Records[0] as { Sns: unknown };
    const fromRecord = normalizeEvent(record);
    expect(fromRecord).toMatchObject({ kind: 'backup-job', outcome: 'failed', source: 'backup-vault-sns' });
    expect(fromRecord.id).toBe(normalizeEvent(record.Sns).id);
  });
});
