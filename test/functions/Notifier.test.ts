import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeliveryJob } from '../../src/aws/notify/deliveryJob.js';
import { CHANNEL_TYPES, channelTypeModule } from '../../src/core/config/channelTypes.js';
import type { ChannelRef } from '../../src/core/config/runtimeSettings.js';
import { ChannelDeliveryError, channelKey } from '../../src/functions/notification/Notifier.js';
import { type LocalLedgerTable, startLocalLedgerTable } from '../aws/ledger/localLedgerTable.js';
import { routerHarness } from './harness.js';

let local: LocalLedgerTable;
beforeAll(async () => {
  local = await startLocalLedgerTable();
});
afterAll(async () => {
  await local?.close();
});

const content = {
  subject: 'Backup FAILED: orders',
  text: 'text',
  slack: { text: 's', blocks: [] },
  teams: {} as never,
  webhook: { w: 1 },
};
const channels: ChannelRef[] = [
  { name: 'ops-email', type: 'email' },
  { name: 'ops-slack', type: 'slack', secret: 's1' },
  { name: 'ops-hook', type: 'webhook', secret: 's2' },
];

describe('Notifier.deliver', () => {
  it('tries every channel, marks those sent, and on retry sends only the one that failed', async () => {
    const h = await routerHarness(local);
    const claim = await h.ledger.claims.claim('n-1', 'm-1');
    h.failSends(1); // the Slack job cannot be queued the first time
    const error = await h.notifier
      .deliver('n-1', content, channels, claim.status === 'duplicate' ? new Set() : claim.sentChannels)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelDeliveryError);
    expect((error as ChannelDeliveryError).failedChannels).toEqual(['slack:ops-slack']);
    const again = await h.ledger.claims.claim('n-1', 'm-1');
    expect(again.status).toBe('resumed');
    const sentBefore = again.status === 'duplicate' ? new Set<string>() : again.sentChannels;
    expect([...sentBefore].sort()).toEqual(['email:ops-email', 'webhook:ops-hook']);
    const report = await h.notifier.deliver('n-1', content, channels, sentBefore);
    expect(report).toEqual({ sent: ['slack:ops-slack'], skipped: ['email:ops-email', 'webhook:ops-hook'] });
    expect(h.emails()).toHaveLength(1);
    expect(
      h
        .deliveries()
        .map((d) => d.channel.name)
        .sort(),
    ).toEqual(['ops-hook', 'ops-slack']);
    expect((await h.ledger.claims.claim('n-1', 'm-2')).status).toBe('duplicate');
  });

  it('sends each channel type its own rendering', async () => {
    const h = await routerHarness(local);
    await h.notifier.deliver('n-2', content, channels, new Set());
    const bodies = Object.fromEntries(h.deliveries().map((d) => [d.channel.type, d.body]));
    expect(bodies).toEqual({ slack: content.slack, webhook: content.webhook });
    expect(h.emails()[0]).toMatchObject({ Subject: content.subject, Message: 'text' });
    expect(channelKey(channels[1]!)).toBe('slack:ops-slack');
  });
});

describe('Notifier and the channel types', () => {
  it.each(CHANNEL_TYPES)('sends a %s channel through its module’s transport, with its module’s body', async (type) => {
    const h = await routerHarness(local);
    const module = channelTypeModule(type);
    const channel: ChannelRef =
      module.transport === 'webhook' ? { name: 'only', type, secret: 'vaultpilot/hook' } : { name: 'only', type };
    await h.notifier.deliver(`n-${type}`, content, [channel], new Set());
    if (module.transport === 'email') {
      expect(h.emails()).toEqual([expect.objectContaining({ Subject: content.subject, Message: content.text })]);
      expect(h.deliveries()).toEqual([]);
    } else {
      expect(h.emails()).toEqual([]);
      const [job] = h.deliveries();
      // What the delivery function reads back, through the same validation.
      expect(parseDeliveryJob(JSON.stringify(job))).toMatchObject({
        channel: { name: 'only', type, secret: 'vaultpilot/hook' },
        body: module.body(content),
      });
    }
  });
});
