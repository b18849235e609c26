/**
 * The delivery job: what the router puts on the delivery queue for each Slack, Teams or webhook message,
 * and what the delivery Lambda reads back. Validated on the way in, because a queue can be fed by hand
 * (replays from the dead-letter queue).
 */
import * as z from 'zod';
import { WEBHOOK_CHANNEL_TYPES } from '../../core/config/channelTypes.js';

export const DeliveryJobSchema = z.object({
  version: z.literal(1),
  /** The notification this message belongs to (signal id, digest id, RPO breach id). */
  notificationId: z.string().min(1),
  channel: z.object({
    name: z.string().min(1),
    type: z.enum(WEBHOOK_CHANNEL_TYPES),
    /** Secrets Manager secret name or ARN holding the URL. */
    secret: z.string().min(1),
  }),
  /** One line for logs and dead-letter readers. */
  summary: z.string(),
  /** The JSON body to POST, already rendered for the channel type. */
  body: z.unknown(),
});

/** One message for one webhook channel. */
export type DeliveryJob = z.infer<typeof DeliveryJobSchema>;

/** Reads a delivery job from an SQS message body; throws a ZodError or SyntaxError on anything else. */
export function parseDeliveryJob(body: string): DeliveryJob {
  return DeliveryJobSchema.parse(JSON.parse(body));
}
