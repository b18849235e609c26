/**
 * Which resources are past their recovery point objective, from the last good recovery point the ledger holds
 * for each. Used by the hourly RPO check (to alert) and the daily digest (to list them).
 */
import { evaluateRpo, type RpoStatus } from '../config/rpoThresholds.js';
import type { RuntimeRpoSettings } from '../config/runtimeSettings.js';

/** The last good recovery point of one resource, as the ledger holds it. */
export interface LastGoodObservation {
  readonly resourceArn: string;
  readonly atMs: number;
  readonly recoveryPointArn?: string;
  readonly resourceType?: string;
  readonly resourceName?: string;
  readonly account?: string;
  readonly region?: string;
  readonly vaultName?: string;
}

/** A resource past its RPO. */
export interface RpoBreach {
  readonly resource: LastGoodObservation;
  readonly status: RpoStatus & { readonly state: 'past'; readonly breachKey: string; readonly ageHours: number };
}

/** The resources past their RPO at `nowMs`, most overdue first (by how far past the threshold they are). */
export function findRpoBreaches(
  lastGood: readonly LastGoodObservation[],
  rpo: RuntimeRpoSettings,
  nowMs: number,
): RpoBreach[] {
  const now = new Date(nowMs).toISOString();
  const breaches: RpoBreach[] = [];
  for (const resource of lastGood) {
    if (!Number.isFinite(resource.atMs)) continue;
    const status = evaluateRpo(
      {
        resource: resource.resourceType ? { type: resource.resourceType } : {},
        lastGoodAt: new Date(resource.atMs).toISOString(),
        now,
      },
      rpo,
    );
    if (status.state === 'past' && status.breachKey !== undefined && status.ageHours !== undefined) {
      breaches.push({ resource, status: status as RpoBreach['status'] });
    }
  }
  const overdue = (b: RpoBreach) => b.status.ageHours - b.status.threshold.hours;
  return breaches.sort(
    (a, b) => overdue(b) - overdue(a) || a.resource.resourceArn.localeCompare(b.resource.resourceArn),
  );
}
