import { describe, expect, it } from 'vitest';
import { buildDigest, type DigestJob, digestBucket } from '../../../src/core/digest/buildDigest.js';
import { findRpoBreaches } from '../../../src/core/digest/findRpoBreaches.js';
import { countsLine, renderDigest } from '../../../src/core/digest/renderDigest.js';
import { rpoBreachSignal } from '../../../src/core/digest/rpoBreachSignal.js';
import type { Outcome } from '../../../src/core/signal.js';

const from = Date.parse('2026-11-20T08:00:00Z');
const to = Date.parse('2026-11-21T08:00:00Z');
const rpo = { enabled: true, defaultHours: 24, resourceTypes: { RDS: 12 }, tags: [] };

function jobs(n: number, outcome: Outcome, resource = 'vol', at = from + 3_600_000): DigestJob[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'backup-job',
    jobId: `${outcome}-${resource}-${i}`,
    outcome,
    atMs: at + i,
    resourceArn: `arn:aws:ec2:eu-west-1:111122223333:volume/${resource}`,
    resourceType: 'EBS',
    account: '111122223333',
    region: 'eu-west-1',
    statusMessage: `${outcome} #${i}`,
  }));
}

describe('digestBucket', () => {
  it('sorts job outcomes into ok, warnings and failed', () => {
    expect(digestBucket('succeeded')).toBe('ok');
    expect(digestBucket('completed-with-issues')).toBe('warnings');
    expect(digestBucket('canceled')).toBe('warnings');
    for (const o of ['failed', 'expired', 'aborted', 'partial', 'threats-found'] as const) {
      expect(digestBucket(o)).toBe('failed');
    }
  });
});

describe('buildDigest and renderDigest', () => {
  it('counts the period’s jobs into the subject, as 120 ok · 3 warnings · 2 failed', () => {
    const digest = buildDigest({
      fromMs: from,
      toMs: to,
      jobs: [
        ...jobs(120, 'succeeded'),
        ...jobs(3, 'completed-with-issues'),
        ...jobs(2, 'failed'),
        ...jobs(5, 'failed', 'old', from - 10),
        ...jobs(5, 'succeeded', 'late', to),
      ],
      policyChanges: [],
      unparsedCount: 0,
      rpoBreaches: [],
    });
    expect(digest.counts).toEqual({ ok: 120, warnings: 3, failed: 2 });
    expect(renderDigest(digest).subject).toBe('Backup digest: 120 ok · 3 warnings · 2 failed');
  });

  it('ranks failing resources by failures, keeping the newest failure’s message', () => {
    const digest = buildDigest({
      fromMs: from,
      toMs: to,
      jobs: [...jobs(1, 'failed', 'a'), ...jobs(3, 'expired', 'b'), ...jobs(2, 'aborted', 'c')],
      policyChanges: [],
      unparsedCount: 0,
      rpoBreaches: [],
      topFailing: 2,
    });
    expect(digest.topFailing.map((r) => [r.resourceArn.split('/').at(-1), r.failures])).toEqual([
      ['b', 3],
      ['c', 2],
    ]);
    expect(digest.topFailing[0]?.lastMessage).toBe('expired #2');
    expect(digest.failingResourceCount).toBe(3);
    expect(renderDigest(digest).text).toContain('Failing resources (top 2 of 3):');
  });

  it('lists policy changes of the period and resources past their RPO in every format', () => {
    const breaches = findRpoBreaches(
      [
        {
          resourceArn: 'arn:aws:rds:eu-west-1:111122223333:db:prod-db',
          atMs: to - 13 * 3_600_000,
          resourceType: 'RDS',
          account: '111122223333',
          region: 'eu-west-1',
        },
      ],
      rpo,
      to,
    );
    const digest = buildDigest({
      fromMs: from,
      toMs: to,
      jobs: [],
      policyChanges: [
        {
          policyId: 'p-1',
          policyName: 'daily',
          operation: 'UpdatePolicy',
          actor: 'arn:aws:sts::1:assumed-role/admin/jane',
          atMs: from + 5,
        },
        { policyId: 'p-0', operation: 'CreatePolicy', atMs: from - 5 },
      ],
      unparsedCount: 2,
      rpoBreaches: breaches,
    });
    const r = renderDigest(digest);
    expect(r.subject).toBe('Backup digest: 0 ok · 0 warnings · 0 failed · 1 past RPO');
    expect(r.text).toContain('Backup policy changes (1):');
    expect(r.text).toContain('UpdatePolicy daily (p-1) by admin/jane');
    expect(r.text).toContain('prod-db (RDS) in 111122223333 / eu-west-1: last good recovery point 13 h ago (RPO 12 h');
    expect(r.text).toContain('2 kept in the ledger');
    expect(JSON.stringify(r.slack)).toContain('Resources past their RPO (1)');
    expect(JSON.stringify(r.teams)).toContain('Backup policy changes (1)');
    expect(r.webhook).toMatchObject({
      schema: 'vaultpilot.digest/v1',
      unparsedCount: 2,
      rpoBreaches: [{ rpoHours: 12 }],
    });
  });

  it('escapes what Slack would read as markup', () => {
    const digest = buildDigest({
      fromMs: from,
      toMs: to,
      jobs: [{ ...jobs(1, 'failed')[0]!, statusMessage: '<!channel> & more' }],
      policyChanges: [],
      unparsedCount: 0,
      rpoBreaches: [],
    });
    const slack = JSON.stringify(renderDigest(digest).slack);
    expect(slack).not.toContain('<!channel>');
    expect(slack).toContain('&lt;!channel&gt; &amp; more');
  });
});

describe('countsLine', () => {
  it('says warning for one', () => {
    expect(countsLine({ ok: 1, warnings: 1, failed: 0 })).toBe('1 ok · 1 warning · 0 failed');
  });
});

describe('findRpoBreaches', () => {
  const lastGood = [
    { resourceArn: 'arn:db', atMs: to - 13 * 3_600_000, resourceType: 'RDS' },
    { resourceArn: 'arn:vol-fresh', atMs: to - 23 * 3_600_000, resourceType: 'EBS' },
    { resourceArn: 'arn:vol-late', atMs: to - 50 * 3_600_000, resourceType: 'EBS' },
  ];

  it('finds resources past their threshold, most overdue first', () => {
    const breaches = findRpoBreaches(lastGood, rpo, to);
    expect(breaches.map((b) => [b.resource.resourceArn, b.status.threshold.hours])).toEqual([
      ['arn:vol-late', 24],
      ['arn:db', 12],
    ]);
  });

  it('names each breach by its resource and last good recovery point, so it alerts once', () => {
    const [late] = findRpoBreaches(lastGood, rpo, to);
    const [lateAnHourLater] = findRpoBreaches(lastGood, rpo, to + 3_600_000);
    expect(rpoBreachSignal(late!, to).id).toBe(rpoBreachSignal(lateAnHourLater!, to + 3_600_000).id);
    const recovered = [{ ...lastGood[2]!, atMs: to - 30 * 3_600_000 }];
    const [again] = findRpoBreaches(recovered, rpo, to);
    expect(rpoBreachSignal(again!, to).id).not.toBe(rpoBreachSignal(late!, to).id);
  });
});
