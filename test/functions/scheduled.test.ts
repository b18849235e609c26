import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestSender } from '../../src/functions/scheduled/DigestSender.js';
import { RpoChecker } from '../../src/functions/scheduled/RpoChecker.js';
import { DEFAULT_RUN_LEASE_MS, scheduledRun } from '../../src/functions/scheduled/runExclusively.js';
import { type LocalLedgerTable, startLocalLedgerTable } from '../aws/ledger/localLedgerTable.js';
import { fixture, MemoryLogger, type RouterHarness, routerHarness, sqsRecord, testSettings } from './harness.js';

let local: LocalLedgerTable;
beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

const HOUR = 3_600_000;

/** Routes fixture events (by path) through the router, so the ledger holds what production would. */
async function route(h: RouterHarness, paths: string[]): Promise<void> {
  await h.router.handleBatch({ Records: paths.map((p, i) => sqsRecord(fixture(p), `m-${p}-${i}`)) });
}

describe('daily digest', () => {
  const dayEvents = [
    'eventbridge-backup/backup-job-completed',
    'eventbridge-backup/backup-job-completed-with-issues',
    'eventbridge-backup/backup-job-failed',
    'eventbridge-backup/backup-job-expired',
    'eventbridge-backup/copy-job-completed',
    'eventbridge-backup/restore-job-failed',
    'cloudtrail/organizations-createpolicy',
    'cloudtrail/organizations-updatepolicy',
  ];

  it('summarises the last 24 hours from the ledger and sends it to the digest channels once', async () => {
    let now = Date.parse('2026-11-21T01:00:00Z');
    const h = await routerHarness(local, { now: () => now });
    await route(h, dayEvents);
    await h.router.handleBatch({ Records: [sqsRecord('garbage', 'm-bad')] });
    const before = { emails: h.emails().length, deliveries: h.deliveries().length };
    now += 60_000;
    // The fixtures happened on 2026-11-20, the garbage at 01:00 the next day; the digest goes out a minute later.
    const sender = new DigestSender({
      ...h.ledger,
      notifier: h.notifier,
      settings: testSettings(),
      logger: new MemoryLogger(),
      now: () => now,
    });
    const report = await sender.run();
    expect(report.status).toBe('sent');
    // Of 2026-11-20: two completed (backup, copy), one with issues, three failed (failed, expired, restore).
    expect(report.digest?.counts).toEqual({ ok: 2, warnings: 1, failed: 3 });
    const email = h.emails().at(-1);
    expect(email?.Subject).toBe('Backup digest: 2 ok · 1 warning · 3 failed');
    expect(email?.Message).toContain('Backup policy changes (2):');
    expect(email?.Message).toContain('Failing resources');
    expect(email?.Message).toContain('1 kept in the ledger for review');
    const digestJob = h.deliveries().at(-1);
    expect(digestJob?.notificationId).toBe('digest:2026-11-21T01');
    expect(h.emails().length - before.emails).toBe(1);
    expect(h.deliveries().length - before.deliveries).toBe(1);
    // Invoked again in the same hour (a retry): nothing more is sent.
    expect((await sender.run()).status).toBe('already-sent');
    expect(h.emails().length - before.emails).toBe(1);
  });

  it('sends nothing when the digest is switched off', async () => {
    const h = await routerHarness(local);
    const settings = testSettings();
    const sender = new DigestSender({
      ...h.ledger,
      notifier: h.notifier,
      settings: { ...settings, digest: { ...settings.digest, enabled: false } },
      logger: new MemoryLogger(),
    });
    expect((await sender.run()).status).toBe('disabled');
    expect(h.emails()).toEqual([]);
  });
});

describe('hourly RPO check', () => {
  // backup-job-completed: EBS volume, good recovery point at 2026-11-20T02:31Z; the default RPO is 24 h.
  const goodAt = Date.parse('2026-11-20T02:31:09Z');

  it('alerts once per resource past its RPO, however many hours it stays late', async () => {
    let now = goodAt + 23 * HOUR;
    const h = await routerHarness(local, { now: () => now });
    await route(h, ['eventbridge-backup/backup-job-completed']);
    const checker = new RpoChecker({
      ...h.ledger,
      notifier: h.notifier,
      settings: testSettings(),
      logger: new MemoryLogger(),
      now: () => now,
    });
    expect(await checker.run()).toMatchObject({ resources: 1, pastRpo: 0, alerted: 0 });
    now = goodAt + 25 * HOUR;
    expect(await checker.run()).toMatchObject({ pastRpo: 1, alerted: 1 });
    now = goodAt + 26 * HOUR;
    expect(await checker.run()).toMatchObject({ pastRpo: 1, alerted: 0, alreadyAlerted: 1 });
    now = goodAt + 72 * HOUR;
    expect(await checker.run()).toMatchObject({ pastRpo: 1, alerted: 0, alreadyAlerted: 1 });
    expect(h.emails()).toHaveLength(1);
    expect(h.emails()[0]?.Subject).toMatch(/RPO BREACHED/);
    expect(h.emails()[0]?.Message).toContain('objective of 24 hours');
    expect(h.deliveries()).toHaveLength(1);
  });

  it('alerts again after the resource recovers and then breaches again', async () => {
    let now = goodAt + 25 * HOUR;
    const h = await routerHarness(local, { now: () => now });
    await route(h, ['eventbridge-backup/backup-job-completed']);
    const checker = new RpoChecker({
      ...h.ledger,
      notifier: h.notifier,
      settings: testSettings(),
      logger: new MemoryLogger(),
      now: () => now,
    });
    await checker.run();
    // A new good backup of the same volume, a day and a half later.
    const later = fixture('eventbridge-backup/backup-job-completed');
    const detail = later.detail as Record<string, unknown>;
    const newJob = {
      ...later,
      id: 'later',
      time: '2026-11-21T14:00:00Z',
      detail: { ...detail, backupJobId: 'later-job', completionDate: '2026-11-21T14:00:00.000Z' },
    };
    await h.router.handleBatch({ Records: [sqsRecord(newJob, 'm-later')] });
    now = Date.parse('2026-11-21T20:00:00Z');
    expect(await checker.run()).toMatchObject({ pastRpo: 0 });
    now = Date.parse('2026-11-22T15:00:00Z');
    expect(await checker.run()).toMatchObject({ pastRpo: 1, alerted: 1 });
    expect(h.emails()).toHaveLength(2);
  });

  it('retries only the alerts that could not be sent', async () => {
    const now = goodAt + 25 * HOUR;
    const h = await routerHarness(local, { now: () => now });
    await route(h, ['eventbridge-backup/backup-job-completed']);
    const checker = new RpoChecker({
      ...h.ledger,
      notifier: h.notifier,
      settings: testSettings(),
      logger: new MemoryLogger(),
      now: () => now,
    });
    h.failPublishes(1);
    await expect(checker.run()).rejects.toThrow(/1 of 1 RPO alerts/);
    expect(await checker.run()).toMatchObject({ alerted: 1 });
    expect(h.emails()).toHaveLength(1);
    expect(h.deliveries()).toHaveLength(1);
  });
});

describe('scheduled runs never overlap (a lease in the ledger, no reserved concurrency)', () => {
  const goodAt = Date.parse('2026-11-20T02:31:09Z');

  it('lets exactly one of two digest runs started together send the digest; the other skips', async () => {
    const now = Date.parse('2026-11-21T08:00:00Z');
    const h = await routerHarness(local, { now: () => now });
    await route(h, ['eventbridge-backup/backup-job-failed']);
    const logger = new MemoryLogger();
    const sender = new DigestSender({
      ...h.ledger,
      notifier: h.notifier,
      settings: testSettings(),
      logger,
      now: () => now,
    });
    const before = h.emails().length;
    const reports = await Promise.all([sender.run({ runId: 'run-a' }), sender.run({ runId: 'run-b' })]);
    expect(reports.map((r) => r.status).sort()).toEqual(['sent', 'skipped']);
    expect(h.emails().length - before).toBe(1);
    expect(logger.lines.filter((l) => l.message.startsWith('another run holds the lease'))).toHaveLength(1);
    expect(logger.lines.find((l) => l.message.startsWith('another run holds'))?.fields.lease).toBe('digest:2026-11-21');
    // The lease was given back: a later run of the same day is no longer skipped.
    expect((await sender.run({ runId: 'run-c' })).status).toBe('already-sent');
  });

  it('lets exactly one of two RPO checks started together do the check; the other skips', async () => {
    const now = goodAt + 25 * HOUR;
    const h = await routerHarness(local, { now: () => now });
    await route(h, ['eventbridge-backup/backup-job-completed']);
    const checker = new RpoChecker({
      ...h.ledger,
      notifier: h.notifier,
      settings: testSettings(),
      logger: new MemoryLogger(),
      now: () => now,
    });
    const reports = await Promise.all([checker.run({ runId: 'run-a' }), checker.run({ runId: 'run-b' })]);
    expect(reports.map((r) => r.status).sort()).toEqual(['checked', 'skipped']);
    expect(reports.find((r) => r.status === 'checked')).toMatchObject({ pastRpo: 1, alerted: 1 });
    expect(h.emails()).toHaveLength(1);
  });

  it('skips while a run that died holds the lease, and takes it over once its time ran out', async () => {
    let now = goodAt + 25 * HOUR;
    const h = await routerHarness(local, { now: () => now });
    await route(h, ['eventbridge-backup/backup-job-completed']);
    expect(await h.ledger.leases.acquire('rpo-check', 'crashed-run', 6 * 60_000)).toBe(true);
    const checker = new RpoChecker({
      ...h.ledger,
      notifier: h.notifier,
      settings: testSettings(),
      logger: new MemoryLogger(),
      now: () => now,
    });
    expect((await checker.run({ runId: 'next' })).status).toBe('skipped');
    expect(h.emails()).toHaveLength(0);
    now += 7 * 60_000;
    expect(await checker.run({ runId: 'later' })).toMatchObject({ status: 'checked', alerted: 1 });
  });

  it('gives the lease back when a run fails, so the retry is not skipped', async () => {
    const now = goodAt + 25 * HOUR;
    const h = await routerHarness(local, { now: () => now });
    await route(h, ['eventbridge-backup/backup-job-completed']);
    const checker = new RpoChecker({
      ...h.ledger,
      notifier: h.notifier,
      settings: testSettings(),
      logger: new MemoryLogger(),
      now: () => now,
    });
    h.failPublishes(1);
    await expect(checker.run({ runId: 'first' })).rejects.toThrow(/RPO alerts/);
    expect(await checker.run({ runId: 'retry' })).toMatchObject({ status: 'checked', alerted: 1 });
  });
});

describe('scheduledRun', () => {
  it('holds the lease with the request id for the remaining time and a minute', () => {
    expect(scheduledRun({ awsRequestId: 'req-1', getRemainingTimeInMillis: () => 299_000 })).toEqual({
      runId: 'req-1',
      leaseMs: 359_000,
    });
    expect(scheduledRun(undefined)).toEqual({ leaseMs: DEFAULT_RUN_LEASE_MS });
  });
});
