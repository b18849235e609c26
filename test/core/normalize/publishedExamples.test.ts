/**
 * What the examples AWS publishes (AWS Backup developer guide, RDS and CloudWatch user guides, Lambda
 * developer guide) must give. The examples themselves are fixtures named `devguide-…`, `docs-…` and
 * `lambda-docs-…`; these tests pin the facts that once came out wrong.
 */
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../src/core/normalize/normalizeEvent.js';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { eventIdOfMessage } from '../../../src/core/normalize/rdsSnapshotEvents.js';
import { loadFixtures } from './fixtureCorpus.js';

const corpus = new Map(loadFixtures().map((f) => [f.name, f.input]));
function fixture(name: string): Record<string, unknown> & { detail: Record<string, unknown> } {
  const input = corpus.get(name);
  if (input === undefined) throw new Error(`no fixture ${name}`);
  return structuredClone(input) as Record<string, unknown> & { detail: Record<string, unknown> };
}

describe('eventIdOfMessage', () => {
  it('tells the RDS event id from the wording of snapshot messages', () => {
    expect(eventIdOfMessage('Deleted manual snapshot')).toBe('RDS-EVENT-0041');
    expect(eventIdOfMessage('Automated snapshot created')).toBe('RDS-EVENT-0091');
    expect(eventIdOfMessage('Creating automated snapshot')).toBe('RDS-EVENT-0090');
    expect(eventIdOfMessage('Creating manual cluster snapshot')).toBe('RDS-EVENT-0074');
    expect(eventIdOfMessage('Automated cluster snapshot created')).toBe('RDS-EVENT-0169');
  });

  it('knows nothing of other messages', () => {
    expect(eventIdOfMessage('Finished DB Instance backup')).toBeUndefined();
    expect(eventIdOfMessage(undefined)).toBeUndefined();
  });
});

describe('normalizeEvent on RDS events without EventID', () => {
  it('reads the event from its message and says so', () => {
    const signal = normalizeEvent(fixture('rds-eventbridge/docs-snapshot-deleted-without-event-id'));
    expect(signal).toMatchObject({ kind: 'rds-snapshot', outcome: 'deleted', eventType: 'RDS-EVENT-0041' });
    expect(signal.details['Event ID']).toMatch(/told by the message/);
  });

  it('gives the same id as the same event carrying its EventID', () => {
    const withId = normalizeEvent(fixture('rds-eventbridge/docs-snapshot-deleted'));
    const withoutId = normalizeEvent(fixture('rds-eventbridge/docs-snapshot-deleted-without-event-id'));
    expect(withoutId.id).toBe(withId.id);
  });

  it('stays unparsed when neither the id nor the message is known', () => {
    const event = fixture('rds-eventbridge/docs-snapshot-deleted-without-event-id');
    event.detail.Message = 'Something new happened';
    expect(normalizeEvent(event)).toMatchObject({ kind: 'unparsed' });
  });
});

describe('normalizeInput on RDS SNS messages without "Source ARN"', () => {
  const record = () => {
    const input = structuredClone(corpus.get('rds-sns/automated-created-without-source-arn')) as {
      Records: { Sns: { Message: string; TopicArn: string } }[];
    };
    const sns = input.Records[0]?.Sns;
    if (!sns) throw new Error('fixture has no SNS record');
    return { input, sns };
  };

  it('rebuilds the snapshot ARN from the id, the console link region and the topic account', () => {
    const [signal] = normalizeInput(record().input);
    expect(signal?.recoveryPointArn).toBe('arn:aws:rds:us-west-2:123456789012:snapshot:rds:mydb-2019-08-18-10-36');
    expect(signal?.region).toBe('us-west-2');
  });

  it('takes the region from the console link even when the topic is elsewhere', () => {
    const { input, sns } = record();
    sns.TopicArn = 'arn:aws:sns:eu-central-1:123456789012:rds-snapshots';
    const [signal] = normalizeInput(input);
    expect(signal?.region).toBe('us-west-2');
  });

  it('gives the id of the same event delivered with its "Source ARN"', () => {
    const { input, sns } = record();
    const message = JSON.parse(sns.Message) as Record<string, string>;
    const withArn = structuredClone(input);
    const withArnSns = withArn.Records[0]?.Sns;
    if (!withArnSns) throw new Error('fixture has no SNS record');
    withArnSns.Message = JSON.stringify({
      ...message,
      'Source ARN': 'arn:aws:rds:us-west-2:123456789012:snapshot:rds:mydb-2019-08-18-10-36',
    });
    expect(normalizeInput(input)[0]?.id).toBe(normalizeInput(withArn)[0]?.id);
  });
});

describe('normalizeInput on AWS Backup EKS object notifications', () => {
  it('names the EKS cluster as the resource and keeps the Kubernetes object in the details', () => {
    const [signal] = normalizeInput(corpus.get('backup-vault-sns/devguide-eks-restore-object-failed'));
    expect(signal?.resource).toEqual({ type: 'EKS', name: 'eks-restore-target-cluster-name' });
    expect(signal?.details).toMatchObject({
      'Kubernetes resource': 'exampleresourceio',
      'Kubernetes resource type': 'apiextensions.k8s.io/v1/customresourcedefinitions',
    });
  });
});

describe('normalizeEvent on China-partition events', () => {
  it('reads ARNs of the aws-cn partition and links to the China console', () => {
    const signal = normalizeEvent(fixture('cloudtrail/backup-deleterecoverypoint-china'));
    expect(signal).toMatchObject({ kind: 'tamper', region: 'cn-north-1', severity: 'critical' });
    expect(signal.links.length).toBeGreaterThan(0);
    for (const link of signal.links) expect(link.url).toMatch(/^https:\/\/console\.amazonaws\.cn\//);
  });
});

describe('normalizeEvent on Organizations EffectivePolicyValidation service events', () => {
  it('marks an invalid effective backup policy as a critical failed policy change', () => {
    const signal = normalizeEvent(fixture('cloudtrail/docs-organizations-effectivepolicyvalidation-invalid'));
    expect(signal).toMatchObject({
      kind: 'policy-change',
      outcome: 'failed',
      severity: 'critical',
      source: 'cloudtrail-service-event',
      state: 'INVALID',
      statusMessage: "'hourly_rule' exceeds the allowed maximum limit 10",
      policy: { id: 'p-examplepolicyid111', type: 'BACKUP_POLICY', targetId: '111111111111' },
    });
    expect(signal.details['Validation errors']).toContain('ELEMENTS_TOO_MANY at plans/hourly-backup/rules/hourly_rule');
  });

  it('marks a backup policy valid again as info', () => {
    const signal = normalizeEvent(fixture('cloudtrail/docs-organizations-effectivepolicyvalidation-valid'));
    expect(signal).toMatchObject({ kind: 'policy-change', outcome: 'succeeded', severity: 'info' });
  });

  it('keeps an invalid effective policy of another type at info', () => {
    const event = fixture('cloudtrail/docs-organizations-effectivepolicyvalidation-invalid');
    (event.detail.serviceEventDetails as Record<string, unknown>).policyType = 'TAG_POLICY';
    expect(normalizeEvent(event)).toMatchObject({ outcome: 'failed', severity: 'info' });
  });

  it('gives the INVALID and the VALID event of one account different ids even with the same eventID', () => {
    const invalid = normalizeEvent(fixture('cloudtrail/docs-organizations-effectivepolicyvalidation-invalid'));
    const valid = normalizeEvent(fixture('cloudtrail/docs-organizations-effectivepolicyvalidation-valid'));
    expect(invalid.id).not.toBe(valid.id);
  });
});

describe('normalizeInput on SQS records of raw-delivered SNS messages', () => {
  it('reads the AWS Backup text and the SQS message attributes like the SNS notification', () => {
    const [viaSqs] = normalizeInput(corpus.get('wrappers/lambda-docs-sqs-raw-delivery-devguide-sns-text'));
    const [viaSns] = normalizeInput(corpus.get('backup-vault-sns/devguide-backup-job-failed'));
    expect(viaSqs).toMatchObject({ kind: 'backup-job', outcome: 'failed', account: '123456789012' });
    expect(viaSqs?.id).toBe(viaSns?.id);
  });

  it('keeps the SQS record as the raw input', () => {
    const input = corpus.get('wrappers/lambda-docs-sqs-raw-delivery-devguide-sns-text') as { Records: unknown[] };
    expect(normalizeInput(input)[0]?.raw).toEqual(input.Records[0]);
  });

  it('leaves other text bodies unparsed', () => {
    const signals = normalizeInput(corpus.get('wrappers/lambda-docs-sqs-sample-text-bodies'));
    expect(signals.map((s) => s.kind)).toEqual(['unparsed', 'unparsed']);
  });
});

describe('normalizeInput on SQS text bodies without attributes', () => {
  it('takes a text naming AWS Backup and a job id for a raw-delivered notification', () => {
    const input = structuredClone(corpus.get('wrappers/lambda-docs-sqs-raw-delivery-devguide-sns-text')) as {
      Records: Record<string, unknown>[];
    };
    const record = input.Records[0];
    if (!record) throw new Error('fixture has no record');
    record.messageAttributes = {};
    expect(normalizeInput(input)[0]).toMatchObject({ kind: 'backup-job', outcome: 'failed' });
  });

  it('leaves a text naming AWS Backup but no id or ARN unparsed', () => {
    expect(normalizeInput(corpus.get('broken/sqs-body-not-json'))[0]?.kind).toBe('unparsed');
  });
});

describe('normalizeInput on classic SNS alarm messages of metric math alarms', () => {
  it('reads the metrics of Trigger.Metrics, so an AWS/Backup metric math alarm is watched', () => {
    const [signal] = normalizeInput(corpus.get('cloudwatch-alarm/sns-metric-math-backup-alarm'));
    expect(signal).toMatchObject({
      kind: 'alarm',
      outcome: 'in-alarm',
      region: 'us-west-1',
      vault: { name: 'prod-vault' },
    });
    expect(signal?.details.Metric).toContain('AWS/Backup NumberOfBackupJobsExpired (Sum over 300 s)');
  });
});
