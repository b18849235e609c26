/**
 * The hourly RPO check: reads every resource's last good recovery point from the ledger, finds those past
 * their threshold and alerts each once per breach. The breach's claim in the ledger (kept about a year) is what
 * makes it once: a resource that stays late is not alerted again every hour; after a new good recovery point
 * and a new lapse it is.
 */
import { randomUUID } from 'node:crypto';
import type { RuntimeSettings } from '../../core/config/runtimeSettings.js';
import { selectChannels } from '../../core/config/selectChannels.js';
import { findRpoBreaches } from '../../core/digest/findRpoBreaches.js';
import { rpoBreachSignal } from '../../core/digest/rpoBreachSignal.js';
import type { JobHistory, RunLeases, SignalClaims } from '../../core/ledger/ledgerPorts.js';
import { renderSignal } from '../../core/render/renderSignal.js';
import { describeError } from '../describeError.js';
import { FunctionError } from '../FunctionError.js';
import type { FunctionLogger } from '../lambdaEvents.js';
import type { Notifier } from '../notification/Notifier.js';
import type { ScheduledRun } from './DigestSender.js';
import { DEFAULT_RUN_LEASE_MS, runExclusively } from './runExclusively.js';

/** How long a breach's claim is kept: longer than any breach is expected to last unresolved. */
const BREACH_CLAIM_DAYS = 400;

export interface RpoCheckerDeps {
  readonly claims: SignalClaims;
  readonly jobs: Pick<JobHistory, 'lastGoodRecoveryPoints'>;
  /** Keep two runs from working at the same time. */
  readonly leases: RunLeases;
  readonly notifier: Notifier;
  readonly settings: RuntimeSettings;
  readonly logger: FunctionLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What one run found and did. */
export interface RpoCheckReport {
  /** `skipped`: another run held the lease (the counts are then 0). */
  readonly status: 'checked' | 'disabled' | 'skipped';
  readonly resources: number;
  readonly pastRpo: number;
  readonly alerted: number;
  readonly alreadyAlerted: number;
  readonly suppressed: number;
}

/** Some breaches could not be alerted; the others were. A retry alerts only the missing ones. */
export class RpoAlertError extends FunctionError {}

/** Runs the RPO check. */
export class RpoChecker {
  constructor(private readonly deps: RpoCheckerDeps) {}

  /**
   * Checks every resource once, holding the `rpo-check` lease so that two runs never work at the same time.
   * Throws RpoAlertError after trying all when some alerts could not be sent.
   */
  async run(run: ScheduledRun = {}): Promise<RpoCheckReport> {
    const { settings, logger } = this.deps;
    const none = { resources: 0, pastRpo: 0, alerted: 0, alreadyAlerted: 0, suppressed: 0 };
    if (!settings.rpo.enabled) {
      logger.info('RPO check is switched off in the configuration');
      return { status: 'disabled', ...none };
    }
    const done = await runExclusively(
      {
        leases: this.deps.leases,
        name: 'rpo-check',
        holder: run.runId ?? randomUUID(),
        ttlMs: run.leaseMs ?? DEFAULT_RUN_LEASE_MS,
        logger,
      },
      () => this.check(),
    );
    return done?.value ?? { status: 'skipped', ...none };
  }

  private async check(): Promise<RpoCheckReport> {
    const { claims, jobs, notifier, settings, logger } = this.deps;
    const nowMs = (this.deps.now ?? Date.now)();
    const lastGood = await jobs.lastGoodRecoveryPoints();
    const breaches = findRpoBreaches(lastGood, settings.rpo, nowMs);
    let alerted = 0;
    let alreadyAlerted = 0;
    let suppressed = 0;
    const errors: unknown[] = [];
    for (const breach of breaches) {
      const signal = rpoBreachSignal(breach, nowMs);
      try {
        const claim = await claims.claim(signal.id, signal.id, BREACH_CLAIM_DAYS);
        if (claim.status === 'duplicate') {
          alreadyAlerted++;
          continue;
        }
        const channels = selectChannels(signal, settings);
        if (channels.length === 0) {
          await claims.markDone(signal.id, 'suppressed');
          suppressed++;
          continue;
        }
        await notifier.deliver(signal.id, renderSignal(signal), channels, claim.sentChannels);
        alerted++;
        logger.info('resource past its RPO alerted', {
          resourceArn: breach.resource.resourceArn,
          ageHours: breach.status.ageHours,
          rpoHours: breach.status.threshold.hours,
        });
      } catch (error) {
        errors.push(error);
        logger.error('RPO alert failed; the next run retries it', {
          resourceArn: breach.resource.resourceArn,
          error: describeError(error),
        });
      }
    }
    const report = {
      status: 'checked' as const,
      resources: lastGood.length,
      pastRpo: breaches.length,
      alerted,
      alreadyAlerted,
      suppressed,
    };
    logger.info('RPO check done', { ...report });
    if (errors.length > 0) {
      throw new RpoAlertError(`${errors.length} of ${breaches.length} RPO alerts could not be sent`, {
        cause: errors[0],
      });
    }
    return report;
  }
}
