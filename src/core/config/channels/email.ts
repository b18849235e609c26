/** Email channels: recipients subscribed to the notification topic in the central account. */
import type { ChannelTypeModule } from './channelTypeModule.js';

export const emailChannel = {
  type: 'email',
  description: 'Email through an SNS topic in the central account.',
  transport: 'email',
} as const satisfies ChannelTypeModule<'email'>;
