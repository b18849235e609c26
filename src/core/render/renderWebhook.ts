import type { Signal } from '../signal.js';
import { describeSignal, type RenderOptions, type SignalDescription } from './describeSignal.js';
import { elapsedBetween } from './formatDuration.js';
import { renderSubject } from './renderSubject.js';
import { renderText } from './renderText.js';
import { toWellFormed } from './truncateText.js';
import { WEBHOOK_SCHEMA_VERSION, type WebhookPayload } from './webhookPayload.js';

/** The versioned webhook payload (`vaultpilot.signal/v1`): the signal's facts with stable names, never the raw input. */
export function renderWebhook(
  signal: Signal,
  options?: RenderOptions,
  description: SignalDescription = describeSignal(signal, options),
  /** Subject and text already rendered from the same description, to avoid rendering them twice. */
  rendered?: { readonly subject: string; readonly text: string },
): WebhookPayload {
  const { times, policy } = signal;
  const elapsed = elapsedBetween(times.started ?? times.created, times.completed);
  return wellFormed({
    schema: WEBHOOK_SCHEMA_VERSION,
    id: signal.id,
    kind: signal.kind,
    outcome: signal.outcome,
    severity: signal.severity,
    source: signal.source,
    eventType: signal.eventType,
    state: signal.state ?? null,
    subject: rendered?.subject ?? renderSubject(signal, options, description),
    summary: description.summary,
    text: rendered?.text ?? renderText(signal, options, description),
    account: signal.account ?? null,
    region: signal.region ?? null,
    resource: {
      arn: signal.resource.arn ?? null,
      type: signal.resource.type ?? null,
      name: signal.resource.name ?? null,
    },
    vault: { name: signal.vault?.name ?? null, arn: signal.vault?.arn ?? null },
    ids: { job: signal.jobId ?? null, recoveryPoint: signal.recoveryPointArn ?? null },
    times: {
      event: times.event ?? null,
      created: times.created ?? null,
      started: times.started ?? null,
      completed: times.completed ?? null,
      startBy: times.startBy ?? null,
      durationSeconds: elapsed === undefined ? null : Math.round(elapsed / 1000),
    },
    actor: signal.actor ?? null,
    statusMessage: signal.statusMessage ?? null,
    reason: signal.reason ?? null,
    details: { ...signal.details },
    links: description.links.map((l) => ({ label: l.label, url: l.url })),
    shortened: (signal.shortened ?? []).map((s) => ({ field: s.field, length: s.length, kept: s.kept })),
    policy:
      policy || description.policyDiff
        ? {
            id: policy?.id ?? null,
            name: policy?.name ?? null,
            type: policy?.type ?? null,
            arn: policy?.arn ?? null,
            operation: policy?.operation ?? null,
            targetId: policy?.targetId ?? null,
            diff: description.policyDiff
              ? {
                  mode: description.policyDiff.mode,
                  title: description.policyDiff.title,
                  lines: description.policyDiff.lines.map((l) => ({ op: l.op, text: l.text })),
                  notes: [...description.policyDiff.notes],
                }
              : null,
          }
        : null,
  });
}

/** Copies a JSON value with every string made well-formed (a lone surrogate from the input breaks UTF-8 consumers). */
function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return toWellFormed(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(wellFormed) as T;
  // A plain loop, not entries/fromEntries: this runs over every payload on the router's hot path.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[toWellFormed(key)] = wellFormed((value as Record<string, unknown>)[key]);
  return out as T;
}
