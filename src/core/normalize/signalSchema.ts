import * as z from 'zod';
import { INPUT_SHAPES, OUTCOMES, SEVERITIES, SIGNAL_KINDS, type Signal } from '../signal.js';

const isoTime = z.iso.datetime({ offset: true });

/** The zod schema of a Signal: what every consumer may rely on (used by tests and at trust boundaries). */
export const signalSchema = z.strictObject({
  id: z.string().regex(/^[a-z-]+:[0-9a-f]{16}$/),
  kind: z.enum(SIGNAL_KINDS),
  outcome: z.enum(OUTCOMES),
  severity: z.enum(SEVERITIES),
  source: z.enum(INPUT_SHAPES),
  eventType: z.string().min(1),
  state: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  vault: z
    .strictObject({ name: z.string().min(1).optional(), arn: z.string().startsWith('arn:').optional() })
    .optional(),
  resource: z.strictObject({
    arn: z.string().startsWith('arn:').optional(),
    type: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
  }),
  jobId: z.string().min(1).optional(),
  recoveryPointArn: z.string().min(1).optional(),
  statusMessage: z.string().min(1).optional(),
  times: z.strictObject({
    event: isoTime.optional(),
    created: isoTime.optional(),
    started: isoTime.optional(),
    completed: isoTime.optional(),
    startBy: isoTime.optional(),
  }),
  actor: z.string().min(1).optional(),
  policy: z
    .strictObject({
      id: z.string().optional(),
      name: z.string().optional(),
      type: z.string().optional(),
      arn: z.string().optional(),
      content: z.string().optional(),
      targetId: z.string().optional(),
      operation: z.string().optional(),
    })
    .optional(),
  details: z.record(z.string(), z.string()),
  links: z.array(z.strictObject({ label: z.string().min(1), url: z.url({ protocol: /^https$/ }) })),
  reason: z.string().min(1).optional(),
  shortened: z
    .array(
      z.strictObject({
        field: z.string().min(1),
        length: z.number().int().nonnegative(),
        kept: z.number().int().nonnegative(),
      }),
    )
    .min(1)
    .optional(),
  raw: z.unknown(),
}) satisfies z.ZodType<Signal>;

/** Checks a value against the Signal schema; returns the zod issues as readable text, or undefined if valid. */
export function signalProblems(value: unknown): string | undefined {
  const result = signalSchema.safeParse(value);
  return result.success ? undefined : z.prettifyError(result.error);
}
