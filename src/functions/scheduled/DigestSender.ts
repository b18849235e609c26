/**
 * The daily digest: summarises the last 24 hours from the ledger (job outcomes, failing resources, policy
 * changes, unparsed inputs) with the resources past their RPO now, and sends it to the digest channels.
 * The digest of a given hour is claimed in the ledger, so a retried invocation does not send it twice.
 */
import type { Ledger } from '../../aws/ledger/Ledger.js';
import type { RuntimeSettings } from '../../core/config/runtimeSettings.js';
import { buildDigest, type Digest } from '../../core/digest/buildDigest.js';
import { findRpoBreaches } from '../../core/digest/findRpoBreaches.js';
import { renderDigest } from '../../core/digest/renderDigest.js';
import { utcDay } from '../../core/ledger/ledgerFacts.js';
import type { FunctionLogger } from '../lambdaEvents.js';
import type { Notifier } from '../notification/Notifier.js';

const DAY_MS = 86_400_000;

export interface DigestSenderDeps {
  readonly ledger: Ledger;
  readonly notifier: Notifier;
  readonly settings: RuntimeSettings;
  readonly logger: FunctionLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What a run did. */
export interface DigestReport {
  readonly status: 'sent' | 'already-sent' | 'disabled';
  readonly digest?: Digest;
}

/** Builds and sends the daily digest. */
export class DigestSender {
  constructor(private readonly deps: DigestSenderDeps) {}

  /** Builds the digest of the 24 hours before now. */
  async build(nowMs: number): Promise<Digest> {
    const { ledger, settings } = this.deps;
    const fromMs = nowMs - DAY_MS;
    // The period spans two UTC days (three at most when now is exactly midnight).
    const days = [...new Set([utcDay(fromMs), utcDay(nowMs - 1), utcDay(nowMs)])];
    const [jobs, changes, unparsed, lastGood] = await Promise.all([
      Promise.all(days.map((d) => ledger.jobsOfDay(d))).then((parts) => parts.flat()),
      Promise.all(days.map((d) => ledger.policyChangesOfDay(d))).then((parts) => parts.flat()),
      Promise.all(days.map((d) => ledger.unparsedOfDay(d))).then((parts) => parts.flat()),
      ledger.lastGoodRecoveryPoints(),
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

  /** Builds and sends the digest, once per hour of the clock however often it is invoked. */
  async run(): Promise<DigestReport> {
    const { ledger, notifier, settings, logger } = this.deps;
    if (!settings.digest.enabled) {
      logger.info('daily digest is switched off in the configuration');
      return { status: 'disabled' };
    }
    const nowMs = (this.deps.now ?? Date.now)();
    const id = `digest:${new Date(nowMs).toISOString().slice(0, 13)}`;
    const claim = await ledger.claim(id, id);
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
