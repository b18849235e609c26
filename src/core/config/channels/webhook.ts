/** Generic webhooks: any HTTPS endpoint, posted the signal as a versioned JSON document. */
import type { ChannelTypeModule } from './channelTypeModule.js';

export const webhookChannel = {
  type: 'webhook',
  description:
    'A generic HTTPS webhook that receives the signal as JSON. The secret holds the URL, or JSON `{"url": …, "headers": {…}}`.',
  transport: 'webhook',
  body: (content) => content.webhook,
} as const satisfies ChannelTypeModule<'webhook'>;
