/**
 * What Vaultpilot knows about one kind of notification channel, in one module per type
 * (src/core/config/channels/<type>.ts, registered in src/core/config/channelTypes.ts): how users describe it
 * in the configuration, how its messages leave, and which rendering its body is.
 */

/** A notification rendered for every channel type (a signal, a digest, an RPO alert). */
export interface ChannelContent {
  readonly subject: string;
  readonly text: string;
  readonly slack: unknown;
  readonly teams: unknown;
  /** The generic webhook body: a versioned JSON document. */
  readonly webhook: unknown;
}

/** Email: published to the notification topic, whose subscriptions mail `subject` and `text`. */
export interface EmailTransport {
  readonly transport: 'email';
}

/**
 * A webhook: the body is queued as a delivery job, and the delivery function POSTs it as JSON to the URL
 * held in the channel's Secrets Manager secret (so the configuration names a `secret`).
 */
export interface WebhookTransport {
  readonly transport: 'webhook';
  /** The JSON body to post for this channel type, chosen from the content rendered for every type. */
  body(content: ChannelContent): unknown;
}

/** One channel type. */
export type ChannelTypeModule<T extends string = string> = {
  readonly type: T;
  /** What the type is, for the configuration schema and its reference documentation. */
  readonly description: string;
} & (EmailTransport | WebhookTransport);
