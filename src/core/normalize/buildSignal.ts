import type {
  ConsoleLink,
  InputShape,
  Outcome,
  PolicyRef,
  ResourceRef,
  Signal,
  SignalKind,
  SignalTimes,
  VaultRef,
} from '../signal.js';
import { boundSignal } from './boundSignal.js';
import { classifySeverity } from './classifySeverity.js';
import { regionText } from './eventFields.js';
import { parseArn } from './parseArn.js';
import { fnv1a64, signalId, stableStringify } from './signalId.js';

/** Everything a normalizer knows about an event; severity and id are derived, empty parts dropped. */
export interface SignalDraft {
  readonly kind: Exclude<SignalKind, 'unparsed'>;
  readonly outcome: Outcome;
  readonly source: InputShape;
  readonly eventType: string;
  /** The parts that identify this real-world transition (see signalId.ts). */
  readonly idParts: readonly (string | undefined)[];
  readonly state?: string | undefined;
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  readonly vault?: VaultRef | undefined;
  readonly resource?: ResourceRef | undefined;
  readonly jobId?: string | undefined;
  readonly recoveryPointArn?: string | undefined;
  readonly statusMessage?: string | undefined;
  readonly times?: SignalTimes | undefined;
  readonly actor?: string | undefined;
  readonly policy?: PolicyRef | undefined;
  readonly details?: Readonly<Record<string, string | undefined>> | undefined;
  readonly links?: readonly (ConsoleLink | undefined)[] | undefined;
  readonly raw: unknown;
}

/** Copies an object without its undefined (and empty-string) fields; undefined if nothing is left. */
function compact<T extends object>(value: T | undefined): T | undefined {
  if (!value) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined && v !== '') out[key] = v;
  return Object.keys(out).length > 0 ? (out as T) : undefined;
}

/** A link people can open: an absolute https URL. */
function isOpenableLink(link: ConsoleLink): boolean {
  try {
    return new URL(link.url).protocol === 'https:';
  } catch {
    return false;
  }
}

/** Keeps an ARN field only when it is an ARN (event fields can hold anything). */
function withValidArn<T extends { readonly arn?: string | undefined }>(ref: T | undefined): T | undefined {
  if (!ref || ref.arn === undefined || parseArn(ref.arn)) return ref;
  const { arn: _dropped, ...rest } = ref;
  return rest as T;
}

/** Turns a draft into a Signal: classifies severity, builds the de-dup id, drops empty fields and links. */
export function buildSignal(draft: SignalDraft): Signal {
  const severity = classifySeverity({
    kind: draft.kind,
    outcome: draft.outcome,
    operation: draft.policy?.operation ?? (draft.kind === 'tamper' ? draft.eventType : undefined),
    policyType: draft.policy?.type,
  });
  const seenUrls = new Set<string>();
  const links = (draft.links ?? []).filter((link): link is ConsoleLink => {
    if (!link || seenUrls.has(link.url) || !isOpenableLink(link)) return false;
    seenUrls.add(link.url);
    return true;
  });
  const signal: Record<string, unknown> = {
    id: signalId(draft.kind, draft.idParts),
    kind: draft.kind,
    outcome: draft.outcome,
    severity,
    source: draft.source,
    eventType: draft.eventType,
    state: draft.state,
    account: draft.account,
    region: regionText(draft.region),
    vault: compact(withValidArn(draft.vault)),
    resource: compact(withValidArn(draft.resource)) ?? {},
    jobId: draft.jobId,
    recoveryPointArn: draft.recoveryPointArn,
    statusMessage: draft.statusMessage,
    times: compact(draft.times) ?? {},
    actor: draft.actor,
    policy: compact(draft.policy),
    details: compact(draft.details) ?? {},
    links,
    raw: draft.raw,
  };
  for (const key of Object.keys(signal)) if (signal[key] === undefined || signal[key] === '') delete signal[key];
  return boundSignal(signal as unknown as Signal);
}

/** The signal for input we could not understand; `reason` says which field was missing or wrong. */
export function unparsedSignal(
  raw: unknown,
  reason: string,
  context: { readonly source?: InputShape; readonly eventType?: string | undefined } = {},
): Signal {
  return boundSignal({
    // Identical broken input gives the identical id, so a redelivered bad record is counted once.
    id: `unparsed:${fnv1a64(stableStringify(raw))}`,
    kind: 'unparsed',
    outcome: 'unknown',
    severity: classifySeverity({ kind: 'unparsed', outcome: 'unknown' }),
    source: context.source ?? 'unknown',
    eventType: context.eventType?.trim() || 'unknown',
    resource: {},
    times: {},
    details: {},
    links: [],
    reason,
    raw,
  });
}
