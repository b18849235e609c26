/** Microsoft Teams channels: a Workflows or connector webhook, posted the Adaptive Card rendered for Teams. */
import type { ChannelTypeModule } from './channelTypeModule.js';

export const teamsChannel = {
  type: 'teams',
  description: 'A Microsoft Teams incoming webhook (Workflows or connector URL).',
  transport: 'webhook',
  body: (content) => content.teams,
} as const satisfies ChannelTypeModule<'teams'>;
