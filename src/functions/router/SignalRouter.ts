/**
 * The router's work for one SQS batch: normalize each record into signals, and for each signal claim it in the
 * ledger (duplicates stop here), record what it says (job history, last good recovery point, policy version,
 * unparsed input), emit its metrics, choose channels, render and send.
 *
 * Retry safety: the claim is made first, metrics are emitted only by the first claim, each channel is marked
 * as it goes out and the claim is closed last. A record that fails anywhere is reported in
 * `batchItemFailures`; its retry (same SQS message id) resumes the claim and sends only the missing channels.
 */
import type { EmailPublisher } from '../../aws/notify/EmailPublisher.js';
import type { RuntimeSettings } from '../../core/config/runtimeSettings.js';
import { selectChannels } from '../../core/config/selectChannels.js';
import {
  type SourceHeartbeat,
  sourceHeardAgainSignal,
  sourceHeartbeatOf,
} from '../../core/heartbeat/sourceHeartbeat.js';
import { isPolicyInventoryEvent, parsePolicyInventoryEvent } from '../../core/inventory/policyInventory.js';
import { BACKUP_POLICY_TYPE } from '../../core/ledger/ledgerFacts.js';
import type {
  JobHistory,
  PolicyVersions,
  SignalClaims,
  SourceHeartbeats,
  UnparsedInputs,
} from '../../core/ledger/ledgerPorts.js';
import { emfRecord } from '../../core/metrics/emfRecords.js';
import { unparsedSignal } from '../../core/normalize/buildSignal.js';
import { normalizeInput } from '../../core/normalize/normalizeInput.js';
import { renderSignal } from '../../core/render/renderSignal.js';
import type { Signal } from '../../core/signal.js';
import type { FunctionLogger, SqsBatchResponse, SqsEvent, SqsRecord } from '../lambdaEvents.js';
import type { Notifier } from '../notification/Notifier.js';
import { processSqsBatch } from '../sqsBatch.js';
import { recordInput } from './recordInput.js';

/** What happened to one signal. */
export type RouteOutcome = 'notified' | 'duplicate' | 'stale' | 'suppressed' | 'ignored' | 'heartbeat' | 'inventory';

export interface SignalRouterDeps {
  readonly claims: SignalClaims;
  readonly jobs: Pick<JobHistory, 'recordJob' | 'recordGoodRecoveryPoint'>;
  readonly policies: Pick<
    PolicyVersions,
    'knownPolicy' | 'previousPolicyContent' | 'recordPolicyChange' | 'recordInventory'
  >;
  readonly unparsed: Pick<UnparsedInputs, 'keepUnparsed'>;
  readonly sources: Pick<SourceHeartbeats, 'recordHeartbeat'>;
  readonly notifier: Notifier;
  readonly settings: RuntimeSettings;
  readonly logger: FunctionLogger;
  readonly metricNamespace: string;
  /** Writes one EMF line (process.stdout in Lambda, so the runtime adds no prefix). */
  readonly writeMetrics: (line: string) => void;
  /** Receives every unparsed input as it was, for people to look at (optional). */
  readonly unparsedArchive?: EmailPublisher;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Counts of one batch, for the summary log line and the benchmark. */
export interface BatchReport {
  readonly records: number;
  readonly signals: number;
  readonly failedRecords: number;
  readonly outcomes: Readonly<Record<RouteOutcome, number>>;
}

/** Routes SQS batches of AWS Backup inputs. */
export class SignalRouter {
  private readonly now: () => number;
  /** Signals about one policy are handled one after the other, so each diff sees the version before it. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: SignalRouterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Handles a batch; failed records are returned for SQS to redeliver, the rest are done. */
  async handleBatch(event: SqsEvent): Promise<SqsBatchResponse & { report: BatchReport }> {
    const outcomes: Record<RouteOutcome, number> = {
      notified: 0,
      duplicate: 0,
      stale: 0,
      suppressed: 0,
      ignored: 0,
      heartbeat: 0,
      inventory: 0,
    };
    let signals = 0;
    // Every record at once: signals about one policy still take their turn (inOrder).
    const { batchItemFailures: failures, results } = await processSqsBatch(
      event.Records,
      (record) => this.handleRecord(record),
      { logger: this.deps.logger },
    );
    for (const result of results) {
      if (result.status !== 'done') continue;
      signals += result.value.length;
      for (const outcome of result.value) outcomes[outcome]++;
    }
    const report = { records: event.Records.length, signals, failedRecords: failures.length, outcomes };
    this.deps.logger.info('batch routed', { ...report });
    return { batchItemFailures: failures, report };
  }

  /** Routes every signal of one record; throws if any signal could not be handled. */
  async handleRecord(record: SqsRecord): Promise<RouteOutcome[]> {
    // The body alone: the envelope carries receipt handles that change per delivery, and unparsed ids hash the input.
    const input = recordInput(record.body);
    const beat = sourceHeartbeatOf(input);
    if (beat) return this.recordHeartbeat(beat, record.messageId);
    if (isPolicyInventoryEvent(input)) return this.recordInventory(input, record.messageId);
    const signals = normalizeInput(input);
    const results: RouteOutcome[] = [];
    for (const signal of signals) {
      results.push(await this.inOrder(orderingKey(signal), () => this.routeSignal(signal, record.messageId)));
    }
    return results;
  }

  /**
   * Records when a forwarding source was heard from. No notification, unless the source had been reported
   * silent: then the notice that it is heard again goes out like any other signal.
   */
  private async recordHeartbeat(beat: SourceHeartbeat, claimant: string): Promise<RouteOutcome[]> {
    const before = await this.deps.sources.recordHeartbeat(beat);
    if (before?.silentSinceMs === undefined) return ['heartbeat'];
    this.deps.logger.info('a silent source is heard again', { account: beat.account, region: beat.region });
    return [
      'heartbeat',
      await this.routeSignal(sourceHeardAgainSignal(before, before.silentSinceMs, beat.atMs), claimant),
    ];
  }

  /**
   * Records a part of the organization's policy inventory (types, names, backup-policy documents), so that a
   * DeletePolicy of a policy created before Vaultpilot is recognised. Only the management account's
   * inventories count: any account of the organization may put events on the central bus, and a forged one
   * could pass a backup policy off as another type. Anything else is reported as unparsed.
   */
  private async recordInventory(input: unknown, claimant: string): Promise<RouteOutcome[]> {
    const parsed = parsePolicyInventoryEvent(input, { expectedAccount: this.deps.settings.managementAccount });
    if (!parsed.ok) return [await this.routeSignal(unparsedSignal(input, parsed.reason), claimant)];
    const { detail } = parsed;
    await this.deps.policies.recordInventory(detail.policies, Date.parse(detail.takenAt));
    this.deps.logger.info('policy inventory recorded', {
      takenAt: detail.takenAt,
      part: detail.part,
      parts: detail.parts,
      policies: detail.policies.length,
      skippedTypes: detail.skippedTypes.map((t) => t.type),
    });
    return ['inventory'];
  }

  /** Routes one signal on behalf of `claimant` (the SQS message id). */
  async routeSignal(routed: Signal, claimant: string): Promise<RouteOutcome> {
    let signal = routed;
    const { claims, jobs, policies, unparsed, logger } = this.deps;
    const claim = await claims.claim(signal.id, claimant);
    if (claim.status === 'duplicate') {
      logger.debug('duplicate signal dropped', { signalId: signal.id });
      return 'duplicate';
    }
    const log = { signalId: signal.id, kind: signal.kind, outcome: signal.outcome, eventType: signal.eventType };

    let previousPolicyContent: string | undefined;
    let stale = false;
    if (signal.kind === 'unparsed') {
      await unparsed.keepUnparsed(signal, claim.firstSeenAtMs);
      logger.warn('input not understood: kept and alerted', { ...log, reason: signal.reason, source: signal.source });
    } else if (signal.kind === 'policy-change') {
      const { verdict, type } = await this.backupPolicyVerdict(signal);
      if (verdict === 'other') {
        logger.info('policy change ignored: not a backup policy', {
          ...log,
          policyId: signal.policy?.id,
          policyType: type,
        });
        await claims.markDone(signal.id, 'ignored');
        return 'ignored';
      }
      if (verdict === 'in-doubt') {
        // A deletion or detachment of a policy whose type nobody told Vaultpilot: reported, in case it was a
        // backup policy (no deletion of a backup policy may go unreported).
        logger.warn('policy of unknown type deleted or detached: reported in case it is a backup policy', log);
        signal = inDoubt(signal);
      } else {
        previousPolicyContent = await policies.previousPolicyContent(signal);
        await policies.recordPolicyChange(signal);
      }
    } else {
      stale = (await jobs.recordJob(signal)).stale;
      if (!stale) await jobs.recordGoodRecoveryPoint(signal);
    }

    if (claim.status === 'new') {
      this.deps.writeMetrics(JSON.stringify(emfRecord(signal, this.deps.metricNamespace, this.now())));
    }
    if (stale) {
      logger.info('out-of-order signal recorded, not notified: the ledger holds a later state', log);
      await claims.markDone(signal.id, 'stale');
      return 'stale';
    }

    if (signal.kind === 'unparsed' && this.deps.unparsedArchive && !claim.sentChannels.has(UNPARSED_ARCHIVE_KEY)) {
      await this.deps.unparsedArchive.publish({
        subject: `Vaultpilot kept an unparsed input: ${signal.reason ?? 'not recognized'}`,
        text: rawText(signal.raw),
      });
      await claims.markChannelSent(signal.id, UNPARSED_ARCHIVE_KEY);
    }

    const channels = selectChannels(signal, this.deps.settings);
    if (channels.length === 0) {
      logger.debug('no channel wants this signal', log);
      await claims.markDone(signal.id, 'suppressed');
      return 'suppressed';
    }
    const rendering = renderSignal(signal, previousPolicyContent !== undefined ? { previousPolicyContent } : {});
    const report = await this.deps.notifier.deliver(signal.id, rendering, channels, claim.sentChannels);
    logger.info('signal notified', { ...log, severity: signal.severity, sent: report.sent, skipped: report.skipped });
    return 'notified';
  }

  /**
   * Whether a policy signal is about a backup policy: by the type it carries, else by what the ledger knows
   * of the id (from earlier events and the organization's policy inventory). A deletion or detachment of an id
   * the ledger never saw is `in-doubt`; anything else not known as a backup policy is `other`.
   */
  private async backupPolicyVerdict(
    signal: Signal,
  ): Promise<{ verdict: 'backup' | 'other' | 'in-doubt'; type?: string | undefined }> {
    const sent = signal.policy?.type;
    if (sent) return { verdict: sent === BACKUP_POLICY_TYPE ? 'backup' : 'other', type: sent };
    // No type sent (DeletePolicy, Attach/DetachPolicy): one read of what the ledger knows of the id.
    const id = signal.policy?.id;
    const known = id ? await this.deps.policies.knownPolicy(id) : undefined;
    if (known?.type) return { verdict: known.type === BACKUP_POLICY_TYPE ? 'backup' : 'other', type: known.type };
    const operation = signal.policy?.operation ?? signal.eventType;
    return { verdict: IN_DOUBT_OPERATIONS.has(operation) ? 'in-doubt' : 'other' };
  }

  private async inOrder<T>(key: string | undefined, work: () => Promise<T>): Promise<T> {
    if (key === undefined) return work();
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.chains.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    }
  }
}

const UNPARSED_ARCHIVE_KEY = 'archive:unparsed';

/** Calls that remove protection even when their policy's type is unknown: reported rather than ignored. */
const IN_DOUBT_OPERATIONS: ReadonlySet<string> = new Set(['DeletePolicy', 'DetachPolicy']);

/** The signal of a policy call whose type is unknown, saying so in its details. */
function inDoubt(signal: Signal): Signal {
  return {
    ...signal,
    details: {
      ...signal.details,
      'Policy type':
        'not known to Vaultpilot: the call carries no type and this policy id was never seen, neither in an ' +
        'earlier event nor in the policy inventory; reported in case it was a backup policy',
    },
  };
}

/** Signals that must be handled in arrival order share a key: those about one policy. */
function orderingKey(signal: Signal): string | undefined {
  return signal.kind === 'policy-change' && signal.policy?.id ? `policy:${signal.policy.id}` : undefined;
}

function rawText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  try {
    return JSON.stringify(raw, null, 2) ?? String(raw);
  } catch {
    return String(raw);
  }
}
