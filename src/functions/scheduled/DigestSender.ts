/**
 * The daily digest: summarises the last 24 hours from the ledger (job outcomes, failing resources, policy
 * changes, unparsed inputs) with the resources past their RPO now, and sends it to the digest channels.
 * The digest of a given hour is claimed in the ledger, so a retried invocation does not send it twice.
 */
import { randomUUID } from 'node:crypto';
import type { RuntimeSettings } from '../../core/config/runtimeSettings.js';
import { buildDigest, type Digest } from '../../core/digest/buildDigest.js';
import { findRpoBreaches } from '../../core/digest/findRpoBreaches.js';
import { renderDigest } from '../../core/digest/renderDigest.js';
import { utcDay } from '../../core/ledger/ledgerFacts.js';
import type {
  JobHistory,
  PolicyVersions,
  RunLeases,
  SignalClaims,
  UnparsedInputs,
} from '../../core/ledger/ledgerPorts.js';
import type { FunctionLogger } from '../lambdaEvents.js';
import type { Notifier } from '../notification/Notifier.js';
import { DEFAULT_RUN_LEASE_MS, runExclusively } from './runExclusively.js';

const DAY_MS = 86_400_000;

export interface DigestSenderDeps {
  readonly claims: SignalClaims;
  readonly jobs: Pick<JobHistory, 'jobsOfDay' | 'lastGoodRecoveryPoints'>;
  readonly policies: Pick<PolicyVersions, 'policyChangesOfDay'>;
  readonly unparsed: Pick<UnparsedInputs, 'unparsedOfDay'>;
  /** Keep two runs (a retry and a manual invocation, say) from working at the same time. */
  readonly leases: RunLeases;
  readonly notifier: Notifier;
  readonly settings: RuntimeSettings;
  readonly logger: FunctionLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What a run did. */
export interface DigestReport {
  /** `skipped`: another run held the day's lease. */
  readonly status: 'sent' | 'already-sent' | 'disabled' | 'skipped';
  readonly digest?: Digest;
}

/** Who runs and for how long it may hold the lease. */
export interface ScheduledRun {
  /** This run (the Lambda request id). @default a random id */
  readonly runId?: string;
  /** @default DEFAULT_RUN_LEASE_MS */
  readonly leaseMs?: number;
}

/** Builds and sends the daily digest. */
export class DigestSender {
  constructor(private readonly deps: DigestSenderDeps) {}

  /** Builds the digest of the 24 hours before now. */
  async build(nowMs: number): Promise<Digest> {
    const { jobs: history, policies, unparsed: kept, settings } = this.deps;
    const fromMs = nowMs - DAY_MS;
    // The period spans two UTC days (three at most when now is exactly midnight).
    const days = [...new Set([utcDay(fromMs), utcDay(nowMs - 1), utcDay(nowMs)])];
    const [jobs, changes, unparsed, lastGood] = await Promise.all([
      Promise.all(days.map((d) => history.jobsOfDay(d))).then((parts) => parts.flat()),
      Promise.all(days.map((d) => policies.policyChangesOfDay(d))).then((parts) => parts.flat()),
      Promise.all(days.map((d) => kept.unparsedOfDay(d))).then((parts) => parts.flat()),
      history.lastGoodRecoveryPoints(),
    ]);
    return buildDigest({
      fromMs,
      toMs: nowMs,
      jobs,
      policyChanges: changes,
      unparsedCount: unparsed.filter((u) => u.atMs >= fromMs && u.atMs < nowMs).length,
      rpoBreaches: settings.rpo.enabled ? findRpoBreaches(lastGood, settings.rpo, nowMs) : [],
    });
  }

  /**
   * Builds and sends the digest, once per hour of the clock however often it is invoked, holding the day's
   * lease (`digest:<yyyy-mm-dd>`) so that two runs never work at the same time.
   */
  async run(run: ScheduledRun = {}): Promise<DigestReport> {
    const { settings, logger } = this.deps;
    if (!settings.digest.enabled) {
      logger.info('daily digest is switched off in the configuration');
      return { status: 'disabled' };
    }
    const nowMs = (this.deps.now ?? Date.now)();
    const done = await runExclusively(
      {
        leases: this.deps.leases,
        name: `digest:${utcDay(nowMs)}`,
        holder: run.runId ?? randomUUID(),
        ttlMs: run.leaseMs ?? DEFAULT_RUN_LEASE_MS,
        logger,
      },
      () => this.send(nowMs),
    );
    return done?.value ?? { status: 'skipped' };
  }

  private async send(nowMs: number): Promise<DigestReport> {
    const { claims, notifier, settings, logger } = this.deps;
    const id = `digest:${new Date(nowMs).toISOString().slice(0, 13)}`;
    const claim = await claims.claim(id, id);
    if (claim.status === 'duplicate') {
      logger.info('digest already sent for this hour', { digestId: id });
      return { status: 'already-sent' };
    }
    const digest = await this.build(nowMs);
    const wanted = new Set(settings.digest.channels);
    const channels = settings.channels.filter((c) => wanted.has(c.name));
    const report = await notifier.deliver(id, renderDigest(digest), channels, claim.sentChannels);
    logger.info('digest sent', { digestId: id, counts: digest.counts, sent: report.sent, skipped: report.skipped });
    return { status: 'sent', digest };
  }
}
