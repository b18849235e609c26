/**
 * An RPO breach as a signal, so the hourly check's alert is routed by the same rules (severity, kind) and
 * rendered by the same renderer as every other alarm. Its id names the resource and the breach (the time of
 * the last good recovery point), so the ledger's claim makes it alert once per breach.
 */
import type { Signal } from '../signal.js';
import type { RpoBreach } from './findRpoBreaches.js';

/** What the RPO check's signals carry as event type. */
export const RPO_CHECK_EVENT_TYPE = 'Vaultpilot RPO check';

/** The notification id of a breach: one per resource and last good recovery point. */
export function rpoBreachId(breach: RpoBreach): string {
  return `rpo-breach:${breach.resource.resourceArn}:${breach.status.breachKey}`;
}

/** The alarm signal for a resource past its RPO. */
export function rpoBreachSignal(breach: RpoBreach, nowMs: number): Signal {
  const r = breach.resource;
  const { threshold, ageHours } = breach.status;
  const lastGoodAt = new Date(r.atMs).toISOString();
  const basis =
    threshold.source === 'resource-type'
      ? `the threshold for ${threshold.resourceType ?? r.resourceType ?? 'its resource type'}`
      : threshold.source === 'tag'
        ? `the threshold for tag ${threshold.tag?.key ?? ''}`
        : 'the default threshold';
  return {
    id: rpoBreachId(breach),
    kind: 'alarm',
    outcome: 'in-alarm',
    severity: 'warning',
    source: 'unknown',
    eventType: RPO_CHECK_EVENT_TYPE,
    state: 'RPO BREACHED',
    ...(r.account ? { account: r.account } : {}),
    ...(r.region ? { region: r.region } : {}),
    ...(r.vaultName ? { vault: { name: r.vaultName } } : {}),
    resource: {
      arn: r.resourceArn,
      ...(r.resourceType ? { type: r.resourceType } : {}),
      ...(r.resourceName ? { name: r.resourceName } : {}),
    },
    ...(r.recoveryPointArn ? { recoveryPointArn: r.recoveryPointArn } : {}),
    statusMessage:
      `The newest good recovery point of this resource is ${ageHours} hours old, older than its recovery point ` +
      `objective of ${threshold.hours} hours (${basis}). Check its backup plan and recent backup jobs.`,
    times: { event: new Date(nowMs).toISOString(), completed: lastGoodAt },
    details: {
      'Recovery point objective': `${threshold.hours} h`,
      'Last good recovery point at': lastGoodAt,
      'Past the objective since': breach.status.dueAt ?? '',
    },
    links: [],
    raw: { rpoBreach: { resourceArn: r.resourceArn, lastGoodAt, ageHours, rpoHours: threshold.hours } },
  };
}
