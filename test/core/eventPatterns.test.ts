import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALARM_NAME_PREFIX } from '../../src/core/deployment/contract.js';
import { matchesEventPattern } from '../../src/core/eventPatternMatch.js';
import {
  BACKUP_EVENTS,
  BACKUP_TAMPER_EVENTS,
  CENTRAL_BUS_RULES,
  CENTRAL_DEFAULT_BUS_RULES,
  MANAGEMENT_FORWARDED_RULES,
  MEMBER_FORWARDED_RULES,
  ORGANIZATIONS_POLICY_EVENTS,
  type RulePattern,
  VAULTPILOT_ALARM_EVENTS,
} from '../../src/core/eventPatterns.js';

const corpusRoot = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/events');

interface ExpectedSignal {
  readonly kind: string;
  readonly outcome: string;
  readonly source: string;
  readonly eventType: string;
}

interface Fixture {
  readonly name: string;
  readonly event: unknown;
  readonly expected: readonly ExpectedSignal[];
}

type Envelope = Record<string, unknown> & { readonly detail?: Record<string, unknown> };

function loadCorpus(dir: string): Fixture[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return loadCorpus(path);
    if (!entry.name.endsWith('.json') || entry.name.endsWith('.expected.json')) return [];
    const expectedPath = path.replace(/\.json$/, '.expected.json');
    let expected: ExpectedSignal[];
    try {
      expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
    } catch {
      return [];
    }
    let event: unknown;
    try {
      event = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      // Broken inputs are not valid JSON: no EventBridge rule ever sees them.
      return [];
    }
    return [{ name: relative(corpusRoot, path), event, expected }];
  });
}

const everything = loadCorpus(corpusRoot);

/** An input as EventBridge delivers it to a rule: one object with a string source and detail-type. */
function isEnvelope(event: unknown): event is Envelope {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return false;
  const e = event as Record<string, unknown>;
  return typeof e.source === 'string' && typeof e['detail-type'] === 'string';
}

/** Well-formed events a rule can see; broken inputs and wrappers (SNS, SQS, arrays) are tested apart. */
const corpus = everything.filter((f) => isEnvelope(f.event) && !f.name.startsWith('broken/'));
const envelope = (f: Fixture) => f.event as Envelope;
const JOB_KINDS = new Set(['backup-job', 'copy-job', 'restore-job', 'scan']);
const IN_PROGRESS = new Set(['created', 'pending', 'running', 'started', 'stopped']);

/** What each rule should forward, decided from the event and the signals the normalizer expects of it. */
const SHOULD_MATCH: Record<RulePattern['name'], (f: Fixture) => boolean> = {
  backupEvents: (f) =>
    envelope(f).source === 'aws.backup' &&
    f.expected.some((s) => s.source === 'eventbridge') &&
    !f.expected.some((s) => JOB_KINDS.has(s.kind) && IN_PROGRESS.has(s.outcome)),
  backupTamperCalls: (f) => envelope(f).source === 'aws.backup' && f.expected.some((s) => s.kind === 'tamper'),
  organizationsPolicyChanges: (f) =>
    f.expected.some((s) => s.kind === 'policy-change' && s.eventType !== 'EffectivePolicyValidation'),
  organizationsPolicyValidation: (f) =>
    f.expected.some((s) => s.kind === 'policy-change' && s.eventType === 'EffectivePolicyValidation'),
  vaultpilotAlarms: (f) =>
    f.expected.some((s) => s.kind === 'alarm' && s.source === 'cloudwatch-alarm') &&
    String(envelope(f).detail?.alarmName ?? '').startsWith(ALARM_NAME_PREFIX),
  // Neither heartbeats nor inventories are AWS events of the corpus: their own tests cover them.
  sourceHeartbeats: () => false,
  policyInventory: () => false,
  // The backup actions' rules are deployed from the configuration; test/infra/actionsMemberStack.test.ts covers them.
  actionBackupTriggers: (f) => {
    const e = envelope(f);
    const detail = (e.detail ?? {}) as Record<string, unknown>;
    if (e.source !== 'aws.backup') return false;
    if (['Backup Job State Change', 'Copy Job State Change'].includes(String(e['detail-type'])))
      return detail.state === 'COMPLETED';
    return (
      e['detail-type'] === 'Recovery Point State Change' && ['COMPLETED', 'AVAILABLE'].includes(String(detail.status))
    );
  },
  actionRdsSnapshotTriggers: () => false,
  actionResults: (f) => envelope(f).source === 'vaultpilot.actions',
  // Deployed from the stacks; test/infra/actionsMemberStack.test.ts and actionsStack.test.ts cover them.
  actionExecutionEnded: () => false,
  actionResultsToRegister: (f) =>
    envelope(f).source === 'vaultpilot.actions' &&
    ['exported', 'exported-partially'].includes(String(envelope(f).detail?.outcome)),
};

function alarmEvent(alarmName: string): Record<string, unknown> {
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '111122223333',
    time: '2026-11-20T03:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-11-20T03:00:00.000+0000' },
      previousState: { value: 'OK', reason: 'Threshold not crossed', timestamp: '2026-11-19T03:00:00.000+0000' },
      configuration: { metrics: [] },
    },
  };
}

describe('the event patterns against the fixture corpus', () => {
  it('finds a corpus with EventBridge and CloudTrail events', () => {
    expect(corpus.filter((f) => envelope(f).source === 'aws.backup').length).toBeGreaterThan(40);
    expect(corpus.filter((f) => envelope(f).source === 'aws.organizations').length).toBeGreaterThan(5);
    expect(corpus.filter((f) => envelope(f).source === 'aws.cloudwatch').length).toBeGreaterThan(3);
  });

  for (const rule of [BACKUP_EVENTS, BACKUP_TAMPER_EVENTS, ORGANIZATIONS_POLICY_EVENTS, VAULTPILOT_ALARM_EVENTS]) {
    it(`${rule.name} matches exactly the events it should`, () => {
      const wrong = corpus
        .filter((f) => matchesEventPattern(rule.pattern, f.event) !== SHOULD_MATCH[rule.name](f))
        .map((f) => `${f.name}: ${SHOULD_MATCH[rule.name](f) ? 'missed' : 'matched but should not'}`);
      expect(wrong).toEqual([]);
    });
  }

  it('forwards restore failures, which report their outcome in detail.status', () => {
    const restoreFailed = corpus.find((f) => f.name.endsWith('restore-job-failed.json'));
    expect(envelope(restoreFailed as Fixture).detail).toHaveProperty('status', 'FAILED');
    expect(matchesEventPattern(BACKUP_EVENTS.pattern, restoreFailed?.event)).toBe(true);
  });

  it('does not forward jobs that are still in progress', () => {
    for (const name of ['backup-job-running.json', 'backup-job-created.json', 'restore-job-pending.json']) {
      const fixture = corpus.find((f) => f.name.endsWith(name));
      expect(fixture, name).toBeDefined();
      expect(matchesEventPattern(BACKUP_EVENTS.pattern, fixture?.event), name).toBe(false);
    }
  });

  it('forwards DeletePolicy, which carries no policy type, and refused calls', () => {
    for (const name of ['organizations-deletepolicy.json', 'organizations-deletepolicy-denied.json']) {
      const fixture = corpus.find((f) => f.name.endsWith(name));
      expect(fixture, name).toBeDefined();
      expect(matchesEventPattern(ORGANIZATIONS_POLICY_EVENTS.pattern, fixture?.event), name).toBe(true);
    }
  });

  it('matches every event at most once per bus, so nothing is queued twice by one account', () => {
    for (const rules of [CENTRAL_BUS_RULES, CENTRAL_DEFAULT_BUS_RULES, MEMBER_FORWARDED_RULES]) {
      const twice = corpus.filter((f) => rules.filter((r) => matchesEventPattern(r.pattern, f.event)).length > 1);
      expect(twice.map((f) => f.name)).toEqual([]);
    }
  });

  it('keeps Organizations API calls out of member forwarding and sends them from the management account', () => {
    const policy = corpus.filter(
      (f) =>
        envelope(f).source === 'aws.organizations' && envelope(f).detail?.eventName !== 'EffectivePolicyValidation',
    );
    for (const f of policy) {
      expect(
        MEMBER_FORWARDED_RULES.some((r) => matchesEventPattern(r.pattern, f.event)),
        f.name,
      ).toBe(false);
      expect(
        MANAGEMENT_FORWARDED_RULES.some((r) => matchesEventPattern(r.pattern, f.event)),
        f.name,
      ).toBe(true);
    }
  });

  it('forwards effective-policy validation results from every account, members and management alike', () => {
    const validations = corpus.filter((f) => envelope(f).detail?.eventName === 'EffectivePolicyValidation');
    expect(validations.length).toBeGreaterThan(1);
    for (const f of validations) {
      expect(
        MEMBER_FORWARDED_RULES.some((r) => matchesEventPattern(r.pattern, f.event)),
        f.name,
      ).toBe(true);
      expect(
        MANAGEMENT_FORWARDED_RULES.some((r) => matchesEventPattern(r.pattern, f.event)),
        f.name,
      ).toBe(true);
    }
  });
});

describe('the event patterns against inputs no rule sees as such', () => {
  it('never match wrappers: SNS and SQS envelopes, arrays, JSON text', () => {
    const wrappers = everything.filter((f) => f.name.startsWith('wrappers/'));
    expect(wrappers.length).toBeGreaterThan(3);
    const rules = [...CENTRAL_BUS_RULES, ...CENTRAL_DEFAULT_BUS_RULES];
    const matched = wrappers.filter((f) => rules.some((r) => matchesEventPattern(r.pattern, f.event)));
    expect(matched.map((f) => f.name)).toEqual([]);
  });

  it('forward malformed AWS Backup and alarm events that carry a valid envelope, for the router to report', () => {
    const byName = (name: string) => everything.find((f) => f.name === `broken/${name}`);
    for (const [name, rule] of [
      ['alarm-state-not-an-object.json', VAULTPILOT_ALARM_EVENTS],
      ['state-not-a-string.json', BACKUP_EVENTS],
      ['backup-job-without-state.json', BACKUP_EVENTS],
    ] as const) {
      const fixture = byName(name);
      expect(fixture, name).toBeDefined();
      expect(fixture?.expected.map((s) => s.kind)).toEqual(['unparsed']);
      expect(matchesEventPattern(rule.pattern, fixture?.event), name).toBe(true);
    }
  });
});

describe('the Vaultpilot alarm rule', () => {
  it('forwards state changes of alarms whose names carry the Vaultpilot prefix', () => {
    expect(
      matchesEventPattern(VAULTPILOT_ALARM_EVENTS.pattern, alarmEvent(`${ALARM_NAME_PREFIX}org-failed-jobs`)),
    ).toBe(true);
  });

  it('ignores every other alarm in the account', () => {
    expect(matchesEventPattern(VAULTPILOT_ALARM_EVENTS.pattern, alarmEvent('billing-estimate'))).toBe(false);
    expect(matchesEventPattern(VAULTPILOT_ALARM_EVENTS.pattern, alarmEvent('my-vaultpilot-copy'))).toBe(false);
  });
});
