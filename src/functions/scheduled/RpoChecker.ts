/**
 * The hourly RPO check: reads every resource's last good recovery point from the ledger, finds those past
 * their threshold and alerts each once per breach. The breach's claim in the ledger (kept about a year) is what
 * makes it once: a resource that stays late is not alerted again every hour; after a new good recovery point
 * and a new lapse it is.
 */
import type { Ledger } from '../../aws/ledger/Ledger.js';
import type { RuntimeSettings } from '../../core/config/runtimeSettings.js';
import { selectChannels } from '../../core/config/selectChannels.js';
import { findRpoBreaches } from '../../core/digest/findRpoBreaches.js';
import { rpoBreachSignal } from '../../core/digest/rpoBreachSignal.js';
import { renderSignal } from '../../core/render/renderSignal.js';
import { describeError } from '../describeError.js';
import { FunctionError } from '../FunctionError.js';
import type { FunctionLogger } from '../lambdaEvents.js';
import type { Notifier } from '../notification/Notifier.js';

/** How long a breach's claim is kept: longer than any breach is expected to last unresolved. */
const BREACH_CLAIM_DAYS = 400;

export interface RpoCheckerDeps {
  readonly ledger: Ledger;
  readonly notifier: Notifier;
  readonly settings: RuntimeSettings;
  readonly logger: FunctionLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What one run found and did. */
export interface RpoCheckReport {
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

  /** Checks every resource once. Throws RpoAlertError after trying all when some alerts could not be sent. */
  async run(): Promise<RpoCheckReport> {
    const { ledger, notifier, settings, logger } = this.deps;
    if (!settings.rpo.enabled) {
      logger.info('RPO check is switched off in the configuration');
      return { resources: 0, pastRpo: 0, alerted: 0, alreadyAlerted: 0, suppressed: 0 };
    }
    const nowMs = (this.deps.now ?? Date.now)();
    const lastGood = await ledger.lastGoodRecoveryPoints();
    const breaches = findRpoBreaches(lastGood, settings.rpo, nowMs);
    let alerted = 0;
    let alreadyAlerted = 0;
    let suppressed = 0;
    const errors: unknown[] = [];
    for (const breach of breaches) {
      const signal = rpoBreachSignal(breach, nowMs);
      try {
        const claim = await ledger.claim(signal.id, signal.id, BREACH_CLAIM_DAYS);
        if (claim.status === 'duplicate') {
          alreadyAlerted++;
          continue;
        }
        const channels = selectChannels(signal, settings);
        if (channels.length === 0) {
          await ledger.markDone(signal.id, 'suppressed');
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
    const report = { resources: lastGood.length, pastRpo: breaches.length, alerted, alreadyAlerted, suppressed };
    logger.info('RPO check done', { ...report });
    if (errors.length > 0) {
      throw new RpoAlertError(`${errors.length} of ${breaches.length} RPO alerts could not be sent`, {
        cause: errors[0],
      });
    }
    return report;
  }
}
