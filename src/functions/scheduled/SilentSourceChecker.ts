/**
 * The hourly source check, run with the RPO check: every account × Region that was ever heard from and has
 * been silent longer than SOURCE_SILENCE_MINUTES is alerted, once per silence (the claim of its signal, whose
 * id names the last heartbeat, is what makes it once), and marked silent so that its next heartbeat is
 * reported as heard again by the router.
 */
import { randomUUID } from 'node:crypto';
import type { RuntimeSettings } from '../../core/config/runtimeSettings.js';
import { selectChannels } from '../../core/config/selectChannels.js';
import { findSilentSources, silentSourceSignal } from '../../core/heartbeat/sourceHeartbeat.js';
import type { RunLeases, SignalClaims, SourceHeartbeats } from '../../core/ledger/ledgerPorts.js';
import { renderSignal } from '../../core/render/renderSignal.js';
import { describeError } from '../describeError.js';
import { FunctionError } from '../FunctionError.js';
import type { FunctionLogger } from '../lambdaEvents.js';
import type { Notifier } from '../notification/Notifier.js';
import type { ScheduledRun } from './DigestSender.js';
import { DEFAULT_RUN_LEASE_MS, runExclusively } from './runExclusively.js';

/**
 * A source is silent after this long without a heartbeat: four missed heartbeats (they come every 15
 * minutes), so one delayed delivery or a throttled PutEvents retried by EventBridge does not page anyone.
 */
export const SOURCE_SILENCE_MINUTES = 60;

/** How long the claim of a silence alert is kept. */
const SILENCE_CLAIM_DAYS = 400;

export interface SilentSourceCheckerDeps {
  readonly claims: SignalClaims;
  readonly sources: Pick<SourceHeartbeats, 'sources' | 'markSilent'>;
  readonly leases: RunLeases;
  readonly notifier: Notifier;
  readonly settings: RuntimeSettings;
  readonly logger: FunctionLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What one run found and did. */
export interface SourceCheckReport {
  readonly status: 'checked' | 'skipped';
  readonly sources: number;
  readonly silent: number;
  readonly alerted: number;
}

/** Some silences could not be alerted; the others were. The next run retries the missing ones. */
export class SilenceAlertError extends FunctionError {}

/** Runs the source check. */
export class SilentSourceChecker {
  constructor(private readonly deps: SilentSourceCheckerDeps) {}

  /** Checks every known source, holding the `source-check` lease. */
  async run(run: ScheduledRun = {}): Promise<SourceCheckReport> {
    const done = await runExclusively(
      {
        leases: this.deps.leases,
        name: 'source-check',
        holder: run.runId ?? randomUUID(),
        ttlMs: run.leaseMs ?? DEFAULT_RUN_LEASE_MS,
        logger: this.deps.logger,
      },
      () => this.check(),
    );
    return done?.value ?? { status: 'skipped', sources: 0, silent: 0, alerted: 0 };
  }

  private async check(): Promise<SourceCheckReport> {
    const { claims, sources, notifier, settings, logger } = this.deps;
    const nowMs = (this.deps.now ?? Date.now)();
    const known = await sources.sources();
    // A source already reported stays silent without a new alert until it is heard again.
    const silent = findSilentSources(known, nowMs, SOURCE_SILENCE_MINUTES).filter((s) => {
      const reported = known.find((k) => k.account === s.account && k.region === s.region);
      return reported?.silentSinceMs === undefined;
    });
    let alerted = 0;
    const errors: unknown[] = [];
    for (const source of silent) {
      const signal = silentSourceSignal(source, nowMs, SOURCE_SILENCE_MINUTES);
      try {
        const claim = await claims.claim(signal.id, signal.id, SILENCE_CLAIM_DAYS);
        if (claim.status !== 'duplicate') {
          const channels = selectChannels(signal, settings);
          if (channels.length > 0)
            await notifier.deliver(signal.id, renderSignal(signal), channels, claim.sentChannels);
          else await claims.markDone(signal.id, 'suppressed');
          alerted++;
        }
        await sources.markSilent(source);
        logger.warn('source silent: alerted', { account: source.account, region: source.region });
      } catch (error) {
        errors.push(error);
        logger.error('silence alert failed; the next run retries it', {
          account: source.account,
          region: source.region,
          error: describeError(error),
        });
      }
    }
    const report = { status: 'checked' as const, sources: known.length, silent: silent.length, alerted };
    logger.info('source check done', { ...report });
    if (errors.length > 0) {
      throw new SilenceAlertError(`${errors.length} of ${silent.length} silence alerts could not be sent`, {
        cause: errors[0],
      });
    }
    return report;
  }
}
