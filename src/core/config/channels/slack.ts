/** Slack channels: an incoming webhook, posted the Block Kit message rendered for Slack. */
import type { ChannelTypeModule } from './channelTypeModule.js';

export const slackChannel = {
  type: 'slack',
  description: 'A Slack incoming webhook.',
  transport: 'webhook',
  body: (content) => content.slack,
} as const satisfies ChannelTypeModule<'slack'>;
