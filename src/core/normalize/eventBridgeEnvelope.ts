import * as z from 'zod';
import { optionalText, regionText } from './eventFields.js';

/** The EventBridge envelope: `version, id, detail-type, source, account, time, region, resources, detail`. */
export const eventBridgeEnvelopeSchema = z.looseObject({
  'detail-type': z.string().trim().min(1, 'must be a non-empty string'),
  source: z.string().trim().min(1, 'must be a non-empty string'),
  id: optionalText,
  account: optionalText,
  // A region that is not a region code is dropped: it would build console links to nowhere.
  region: z.unknown().transform(regionText),
  time: optionalText,
  resources: z
    .unknown()
    .transform((v) => (Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string' && r.trim() !== '') : [])),
  detail: z.record(z.string(), z.unknown()),
});

export type EventBridgeEnvelope = z.output<typeof eventBridgeEnvelopeSchema>;

/** True when a value has the two fields that make it an EventBridge event. */
export function looksLikeEventBridge(value: Record<string, unknown>): boolean {
  return 'detail-type' in value || ('source' in value && 'detail' in value);
}
