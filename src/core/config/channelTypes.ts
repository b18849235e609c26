/**
 * The notification channel types, in one list. Each type's knowledge (its configuration, how its messages
 * leave, which rendering it gets) is one module in src/core/config/channels; a new type is a new module and
 * one line in CHANNEL_TYPES and CHANNEL_TYPE_MODULES below. The configuration schema, the runtime settings,
 * the notifier and the delivery jobs all read these.
 */
import type { ChannelTypeModule } from './channels/channelTypeModule.js';
import { emailChannel } from './channels/email.js';
import { slackChannel } from './channels/slack.js';
import { teamsChannel } from './channels/teams.js';
import { webhookChannel } from './channels/webhook.js';

export type { ChannelContent, ChannelTypeModule } from './channels/channelTypeModule.js';

/** Every channel type, in the order the configuration reference lists them. */
export const CHANNEL_TYPES = ['email', 'slack', 'teams', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** The module of each channel type (the type checker refuses a type without one). */
export const CHANNEL_TYPE_MODULES = {
  email: emailChannel,
  slack: slackChannel,
  teams: teamsChannel,
  webhook: webhookChannel,
} as const satisfies { readonly [T in ChannelType]: ChannelTypeModule<T> };

type Modules = typeof CHANNEL_TYPE_MODULES;

/** The channel types whose messages are posted by the delivery function to a URL held in a secret. */
export type WebhookChannelType = {
  [T in ChannelType]: Modules[T] extends { readonly transport: 'webhook' } ? T : never;
}[ChannelType];

/** The channel types without a webhook: email. */
export type EmailChannelType = Exclude<ChannelType, WebhookChannelType>;

/** The module of one channel type. */
export function channelTypeModule<T extends ChannelType>(type: T): Modules[T] {
  return CHANNEL_TYPE_MODULES[type];
}

/** Whether a channel type's messages go through the delivery function (and the channel names a secret). */
export function isWebhookChannelType(type: ChannelType): type is WebhookChannelType {
  return CHANNEL_TYPE_MODULES[type].transport === 'webhook';
}

/** The channel types posted by the delivery function, in CHANNEL_TYPES order. */
export const WEBHOOK_CHANNEL_TYPES: readonly WebhookChannelType[] = CHANNEL_TYPES.filter(isWebhookChannelType);

/** The channel types published by email, in CHANNEL_TYPES order. */
export const EMAIL_CHANNEL_TYPES: readonly EmailChannelType[] = CHANNEL_TYPES.filter(
  (type): type is EmailChannelType => !isWebhookChannelType(type),
);
