import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeInput } from '../../src/core/normalize/normalizeInput.js';
import { renderSignal } from '../../src/core/render/renderSignal.js';
import { type LocalLedgerTable, startLocalLedgerTable } from '../aws/ledger/localLedgerTable.js';
import { fixture, routerHarness, sqsRecord, testSettings } from './harness.js';

let local: LocalLedgerTable;
beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

const failed = () => fixture('eventbridge-backup/backup-job-failed');

/** The same event as EventBridge delivers it to SQS wrapped in SNS (a topic subscription in between). */
function snsWrapped(event: unknown) {
  return {
    Type: 'Notification',
    MessageId: '0f1e2d3c-aaaa-bbbb-cccc-000000000001',
    TopicArn: 'arn:aws:sns:eu-west-1:444455556666:relay',
    Message: JSON.stringify(event),
    Timestamp: '2026-11-20T02:15:05.000Z',
    SignatureVersion: '1',
  };
}

describe('router: duplicates and order', () => {
  it('notifies a failed backup job once although it arrives three times, once wrapped in SNS', async () => {
    const h = await routerHarness(local);
    const first = await h.router.handleBatch({
      Records: [sqsRecord(failed(), 'm-1'), sqsRecord(failed(), 'm-2')],
    });
    const second = await h.router.handleBatch({ Records: [sqsRecord(snsWrapped(failed()), 'm-3')] });
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    console.log(JSON.stringify([first.report, second.report, h.emails().map((e) => e.Subject)]));
    expect(h.emails()).toHaveLength(1);
    expect(h.deliveries()).toHaveLength(1);
    expect(first.report.outcomes).toMatchObject({ notified: 1, duplicate: 1 });
    expect(second.report.outcomes).toMatchObject({ duplicate: 1 });
    // Metrics count the job once too.
    expect(h.metrics.filter((m) => m.Jobs === 1)).toHaveLength(1);
  });

  it('records but does not notify an earlier job state that arrives after a later one', async () => {
    const h = await routerHarness(local, { settings: testSettings({ successMessages: true, progressMessages: true }) });
    const completed = fixture('eventbridge-backup/backup-job-completed');
    const running = fixture('eventbridge-backup/backup-job-running');
    const out = await h.router.handleBatch({ Records: [sqsRecord(completed, 'm-1')] });
    const late = await h.router.handleBatch({ Records: [sqsRecord(running, 'm-2')] });
    expect(out.report.outcomes.notified).toBe(1);
    expect(late.report.outcomes.stale).toBe(1);
    expect(h.emails()).toHaveLength(1);
    expect(h.emails()[0]?.Subject).toMatch(/COMPLETED/);
  });

  it('notifies each state when they arrive in order (the contrast to the case above)', async () => {
    const h = await routerHarness(local, { settings: testSettings({ successMessages: true, progressMessages: true }) });
    await h.router.handleBatch({ Records: [sqsRecord(fixture('eventbridge-backup/backup-job-running'), 'm-1')] });
    await h.router.handleBatch({ Records: [sqsRecord(fixture('eventbridge-backup/backup-job-completed'), 'm-2')] });
    expect(h.emails()).toHaveLength(2);
  });

  it('moves the last good recovery point forward only', async () => {
    const h = await routerHarness(local, { settings: testSettings({ successMessages: true }) });
    await h.router.handleBatch({ Records: [sqsRecord(fixture('eventbridge-backup/backup-job-completed'), 'm-1')] });
    const [last] = await h.ledger.jobs.lastGoodRecoveryPoints();
    expect(last?.resourceArn).toBe('arn:aws:ec2:eu-west-1:111122223333:volume/vol-0a1b2c3d4e5f67890');
    expect(last?.resourceType).toBe('EBS');
  });
});

/** The failed-job fixture with its resource ARN grown until the event is as large as EventBridge accepts. */
function largestFailedJob(): Record<string, unknown> {
  const event = failed();
  const detail = event.detail as Record<string, unknown>;
  const room = 256 * 1024 - Buffer.byteLength(JSON.stringify(event));
  detail.resourceArn = `${String(detail.resourceArn)}${'😀'.repeat(Math.floor(room / 4) - 8)}`;
  return event;
}

describe('router: the policy inventory', () => {
  const inventory = (account: string, policies: unknown[]) => ({
    version: '0',
    id: `inventory-${account}`,
    'detail-type': 'Vaultpilot Policy Inventory',
    source: 'vaultpilot.inventory',
    account,
    time: '2026-12-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      version: 1,
      takenAt: '2026-12-01T00:00:00.000Z',
      part: 1,
      parts: 1,
      complete: true,
      skippedTypes: [],
      policies,
    },
  });
  const deletePolicy = () => fixture('cloudtrail/organizations-deletepolicy');
  const deletedId = () =>
    String(((deletePolicy().detail as Record<string, unknown>).requestParameters as Record<string, unknown>).policyId);

  it('recognises a DeletePolicy of a backup policy created before Vaultpilot, from the inventory', async () => {
    const h = await routerHarness(local, { settings: testSettings({ managementAccount: '999988887777' }) });
    const id = deletedId();
    const content = JSON.stringify({ plans: { Old: { regions: { '@@assign': ['eu-west-1'] } } } });
    const out = await h.router.handleBatch({
      Records: [
        sqsRecord(
          inventory('999988887777', [
            {
              id,
              name: 'legacy',
              type: 'BACKUP_POLICY',
              arn: `arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/backup_policy/${id}`,
              awsManaged: false,
              content,
            },
          ]),
          'm-1',
        ),
      ],
    });
    expect(out.report.outcomes.inventory).toBe(1);
    expect(await h.ledger.policies.knownPolicy(id)).toMatchObject({ type: 'BACKUP_POLICY', name: 'legacy' });
    await h.router.handleBatch({ Records: [sqsRecord(deletePolicy(), 'm-2')] });
    expect(h.emails()).toHaveLength(1);
    expect(h.emails()[0]?.Message).not.toContain('not known to Vaultpilot');
  });

  it('diffs the first UpdatePolicy it sees against the document the inventory recorded', async () => {
    const h = await routerHarness(local, { settings: testSettings({ managementAccount: '999988887777' }) });
    const update = fixture('cloudtrail/organizations-updatepolicy');
    const request = (update.detail as Record<string, unknown>).requestParameters as Record<string, string>;
    const before = JSON.parse(String(request.content));
    before.plans.CriticalDaily.regions['@@assign'] = ['eu-west-1'];
    const policy = {
      id: request.policyId,
      name: 'critical-daily',
      type: 'BACKUP_POLICY',
      arn: `arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/backup_policy/${request.policyId}`,
      awsManaged: false,
      content: JSON.stringify(before),
    };
    const early = { ...inventory('999988887777', [policy]) };
    early.detail = { ...early.detail, takenAt: '2026-11-01T00:00:00.000Z' };
    await h.router.handleBatch({ Records: [sqsRecord(early, 'm-1')] });
    await h.router.handleBatch({ Records: [sqsRecord(update, 'm-2')] });
    const message = h.emails().at(-1)?.Message ?? '';
    expect(message).not.toContain('no earlier version known');
    expect(message).toContain('eu-central-1');
  });

  it('ignores a DeletePolicy of a policy the inventory lists as another type', async () => {
    const h = await routerHarness(local, { settings: testSettings({ managementAccount: '999988887777' }) });
    const id = deletedId();
    await h.router.handleBatch({
      Records: [
        sqsRecord(
          inventory('999988887777', [
            {
              id,
              name: 'deny-all',
              type: 'SERVICE_CONTROL_POLICY',
              arn: `arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/${id}`,
              awsManaged: false,
            },
          ]),
          'm-1',
        ),
      ],
    });
    const out = await h.router.handleBatch({ Records: [sqsRecord(deletePolicy(), 'm-2')] });
    expect(out.report.outcomes.ignored).toBe(1);
    expect(h.emails()).toEqual([]);
  });

  it('refuses an inventory put by another account of the organization, as unparsed', async () => {
    const h = await routerHarness(local, { settings: testSettings({ managementAccount: '999988887777' }) });
    const out = await h.router.handleBatch({
      Records: [sqsRecord(inventory('123456789012', []), 'm-1')],
    });
    expect(out.report.outcomes.inventory).toBe(0);
    expect(h.archived()).toHaveLength(1);
    expect(h.logger.lines.some((l) => String(l.fields.reason).includes('not by the management account'))).toBe(true);
  });
});

describe('router: source heartbeats', () => {
  const beat = (minute: number) => ({
    version: '0',
    id: `beat-${minute}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '333333333333',
    time: new Date(Date.parse('2026-12-03T10:00:00Z') + minute * 60_000).toISOString(),
    region: 'eu-central-1',
    resources: ['arn:aws:events:eu-central-1:333333333333:rule/vaultpilot-heartbeat'],
    detail: {},
  });

  it('records a heartbeat without notifying anyone or calling it unparsed', async () => {
    const h = await routerHarness(local);
    const out = await h.router.handleBatch({ Records: [sqsRecord(beat(0), 'm-1'), sqsRecord(beat(15), 'm-2')] });
    expect(out.batchItemFailures).toEqual([]);
    expect(out.report.outcomes.heartbeat).toBe(2);
    expect(h.emails()).toEqual([]);
    expect(h.archived()).toEqual([]);
    const [source] = await h.ledger.sources.sources();
    expect(source).toMatchObject({ account: '333333333333', region: 'eu-central-1' });
    expect(source?.lastHeardMs).toBe(Date.parse('2026-12-03T10:15:00Z'));
  });

  it('says so once when a source that was reported silent is heard again', async () => {
    const h = await routerHarness(local);
    await h.router.handleBatch({ Records: [sqsRecord(beat(0), 'm-1')] });
    await h.ledger.sources.markSilent({
      account: '333333333333',
      region: 'eu-central-1',
      lastHeardMs: Date.parse('2026-12-03T10:00:00Z'),
    });
    await h.router.handleBatch({ Records: [sqsRecord(beat(180), 'm-2')] });
    await h.router.handleBatch({ Records: [sqsRecord(beat(195), 'm-3')] });
    expect(h.emails()).toHaveLength(0); // info: not routed to email by the test settings
    expect(h.logger.lines.filter((l) => l.message === 'a silent source is heard again')).toHaveLength(1);
  });
});

describe('router: oversized records', () => {
  it('routes a 256 KB event among healthy ones, its message saying what was shortened', async () => {
    const h = await routerHarness(local);
    const big = largestFailedJob();
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(250_000);
    const out = await h.router.handleBatch({
      Records: [
        sqsRecord(fixture('eventbridge-backup/backup-job-expired'), 'm-1'),
        sqsRecord(big, 'm-2'),
        sqsRecord(fixture('eventbridge-backup/copy-job-failed.seed'), 'm-3'),
      ],
    });
    expect(h.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(out.batchItemFailures).toEqual([]);
    expect(out.report.outcomes.notified).toBe(3);
    const email = h.emails().find((e) => e.Message?.includes('Shortened'));
    expect(email?.Message).toMatch(/resource\.arn \([\d,]+ characters\)/);
    expect(Buffer.byteLength(email?.Message ?? '')).toBeLessThan(70_000);
  });

  it('fails only the oversized record when its delivery fails, and the rest of the batch is done', async () => {
    const h = await routerHarness(local);
    h.failPublishesWhere((input) => (input.Message ?? '').includes('Shortened'));
    const out = await h.router.handleBatch({
      Records: [
        sqsRecord(fixture('eventbridge-backup/backup-job-expired'), 'm-1'),
        sqsRecord(largestFailedJob(), 'm-2'),
        sqsRecord(fixture('eventbridge-backup/copy-job-failed.seed'), 'm-3'),
      ],
    });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
    expect(h.emails()).toHaveLength(2);
  });
});

describe('router: failures and retries', () => {
  it('reports only the failing record, and its retry sends just the channel that was missing', async () => {
    const h = await routerHarness(local);
    h.failPublishes(1);
    const expired = fixture('eventbridge-backup/backup-job-expired');
    const batch = { Records: [sqsRecord(failed(), 'm-1'), sqsRecord(expired, 'm-2')] };
    const first = await h.router.handleBatch(batch);
    expect(first.batchItemFailures).toHaveLength(1);
    const failedId = first.batchItemFailures[0]?.itemIdentifier;
    const retry = await h.router.handleBatch({ Records: batch.Records.filter((r) => r.messageId === failedId) });
    expect(retry.batchItemFailures).toEqual([]);
    // Two signals: each reached email once and Slack once, although one email publish failed.
    expect(h.emails().length).toBe(2);
    expect(h.deliveries().length).toBe(2);
    expect(new Set(h.deliveries().map((d) => d.notificationId)).size).toBe(2);
    expect(h.logger.lines.some((l) => l.level === 'error' && l.message.includes('redeliver'))).toBe(true);
  });

  it('fails the record when the delivery queue is down, and sends nothing twice on the retry', async () => {
    const h = await routerHarness(local);
    h.failSends(1);
    const first = await h.router.handleBatch({ Records: [sqsRecord(failed(), 'm-1')] });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    await h.router.handleBatch({ Records: [sqsRecord(failed(), 'm-1')] });
    expect(h.emails()).toHaveLength(1);
    expect(h.deliveries()).toHaveLength(1);
    // A redelivery after success is a duplicate.
    const third = await h.router.handleBatch({ Records: [sqsRecord(failed(), 'm-1')] });
    expect(third.report.outcomes.duplicate).toBe(1);
  });
});

describe('router: malformed input', () => {
  it('keeps, archives and alerts a body that is not JSON, and counts it', async () => {
    const h = await routerHarness(local);
    const out = await h.router.handleBatch({ Records: [sqsRecord('{"detail-type": "Backup Job', 'm-1')] });
    expect(out.batchItemFailures).toEqual([]);
    expect(h.emails()).toHaveLength(1);
    expect(h.emails()[0]?.Subject).toMatch(/Unparsed/i);
    expect(h.archived()[0]?.Message).toBe('{"detail-type": "Backup Job');
    const day = new Date().toISOString().slice(0, 10);
    const kept = await h.ledger.unparsed.unparsedOfDay(day);
    expect(kept.map((k) => k.raw)).toEqual(['{"detail-type": "Backup Job']);
    expect(h.metrics.some((m) => m.UnparsedEvents === 1)).toBe(true);
  });

  it('alerts a well-formed event it does not know, and the rest of the batch still routes', async () => {
    const h = await routerHarness(local);
    const strange = { version: '0', id: 'x', 'detail-type': 'Something New', source: 'aws.backup', detail: {} };
    const out = await h.router.handleBatch({ Records: [sqsRecord(strange, 'm-1'), sqsRecord(failed(), 'm-2')] });
    expect(out.report.outcomes.notified).toBe(2);
    expect(
      h
        .emails()
        .map((e) => e.Subject)
        .join('\n'),
    ).toMatch(/FAILED/);
  });
});

describe('router: backup policies', () => {
  const create = () => fixture('cloudtrail/organizations-createpolicy');
  const update = () => fixture('cloudtrail/organizations-updatepolicy');

  it('renders an UpdatePolicy as a diff against the version the ledger stored', async () => {
    const h = await routerHarness(local);
    await h.router.handleBatch({ Records: [sqsRecord(create(), 'm-1')] });
    await h.router.handleBatch({ Records: [sqsRecord(update(), 'm-2')] });
    const [createSignal] = normalizeInput(create());
    const [updateSignal] = normalizeInput(update());
    const withDiff = renderSignal(updateSignal!, { previousPolicyContent: createSignal!.policy!.content! });
    const withoutDiff = renderSignal(updateSignal!);
    expect(withDiff.text).not.toBe(withoutDiff.text);
    expect(h.emails()[1]?.Message).toBe(withDiff.text);
    expect(h.deliveries()[1]?.body).toEqual(withDiff.slack);
  });

  it('diffs against the right version even when the update arrives before the create', async () => {
    const h = await routerHarness(local);
    await h.router.handleBatch({ Records: [sqsRecord(update(), 'm-2')] });
    await h.router.handleBatch({ Records: [sqsRecord(create(), 'm-1')] });
    const [updateSignal] = normalizeInput(update());
    expect(h.emails()[0]?.Message).toBe(renderSignal(updateSignal!).text);
    // The later version is now stored: a redriven duplicate of the update stays quiet.
    const again = await h.router.handleBatch({ Records: [sqsRecord(update(), 'm-3')] });
    expect(again.report.outcomes.duplicate).toBe(1);
  });

  it('alerts a DeletePolicy of a policy id it saw as a backup policy', async () => {
    const h = await routerHarness(local);
    await h.router.handleBatch({ Records: [sqsRecord(create(), 'm-1')] });
    const out = await h.router.handleBatch({
      Records: [sqsRecord(fixture('cloudtrail/organizations-deletepolicy'), 'm-2')],
    });
    expect(out.report.outcomes.notified).toBe(1);
    expect(h.emails()[1]?.Subject).toMatch(/DELETED/);
  });

  it('alerts a refused DeletePolicy of a backup policy, and still knows the policy afterwards', async () => {
    const h = await routerHarness(local);
    await h.router.handleBatch({ Records: [sqsRecord(create(), 'm-1')] });
    await h.router.handleBatch({
      Records: [sqsRecord(fixture('cloudtrail/organizations-deletepolicy-denied'), 'm-2')],
    });
    expect(h.emails()).toHaveLength(2);
    expect((await h.ledger.policies.knownPolicy('p-7x2k9m4q1z'))?.deletedAtMs).toBeUndefined();
    const out = await h.router.handleBatch({
      Records: [sqsRecord(fixture('cloudtrail/organizations-deletepolicy'), 'm-3')],
    });
    expect(out.report.outcomes.notified).toBe(1);
  });

  it('reports a DeletePolicy of an id never seen, in case it was a backup policy, and ignores another policy type', async () => {
    const h = await routerHarness(local);
    const out = await h.router.handleBatch({
      Records: [
        sqsRecord(fixture('cloudtrail/organizations-deletepolicy'), 'm-1'),
        sqsRecord(fixture('cloudtrail/organizations-createpolicy-scp'), 'm-2'),
      ],
    });
    expect(out.report.outcomes).toMatchObject({ notified: 1, ignored: 1 });
    expect(h.emails()).toHaveLength(1);
    expect(h.emails()[0]?.Message).toMatch(/Policy type: +not known to Vaultpilot/);
    expect(h.logger.lines.filter((l) => l.message.startsWith('policy change ignored'))).toHaveLength(1);
    expect(h.logger.lines.some((l) => l.message.startsWith('policy of unknown type deleted'))).toBe(true);
  });

  it('lists the day’s policy changes for the digest', async () => {
    const h = await routerHarness(local);
    await h.router.handleBatch({ Records: [sqsRecord(create(), 'm-1'), sqsRecord(update(), 'm-2')] });
    const changes = await h.ledger.policies.policyChangesOfDay('2026-11-20');
    expect(changes.map((c) => c.operation)).toEqual(['CreatePolicy', 'UpdatePolicy']);
  });
});

describe('router: routing', () => {
  it('sends success news nowhere by default, but still records and counts it', async () => {
    const h = await routerHarness(local);
    const out = await h.router.handleBatch({
      Records: [sqsRecord(fixture('eventbridge-backup/backup-job-completed'), 'm-1')],
    });
    expect(out.report.outcomes.suppressed).toBe(1);
    expect(h.emails()).toEqual([]);
    expect(h.metrics.some((m) => m.CompletedJobs === 1)).toBe(true);
    expect(await h.ledger.jobs.jobsOfDay('2026-11-20')).toHaveLength(1);
  });

  it('puts the Slack rendering on the delivery queue with the channel’s secret', async () => {
    const h = await routerHarness(local);
    await h.router.handleBatch({ Records: [sqsRecord(failed(), 'm-1')] });
    const [job] = h.deliveries();
    const [signal] = normalizeInput(failed());
    expect(job).toMatchObject({
      version: 1,
      notificationId: signal?.id,
      channel: { name: 'ops-slack', type: 'slack', secret: 'vaultpilot/slack' },
    });
    expect(job?.body).toEqual(renderSignal(signal!).slack);
    expect(h.emails()[0]?.Subject?.length).toBeLessThan(100);
  });
});
