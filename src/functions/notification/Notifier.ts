/**
 * Sends one rendered notification to its channels, each the way its channel type's module says: email through
 * the SNS topic, Slack/Teams/webhooks as jobs on the delivery queue. Each channel is marked in the ledger as
 * soon as it went out, and the notification is marked done only after all did, so a retried record sends
 * exactly the channels that are still missing.
 */
import type { DeliveryQueue } from '../../aws/notify/DeliveryQueue.js';
import type { EmailPublisher } from '../../aws/notify/EmailPublisher.js';
import { type ChannelContent, channelTypeModule } from '../../core/config/channelTypes.js';
import type { ChannelRef } from '../../core/config/runtimeSettings.js';
import type { SignalClaims } from '../../core/ledger/ledgerPorts.js';
import type { Rendering } from '../../core/render/renderSignal.js';
import { FunctionError } from '../FunctionError.js';

/** What a notification says, in every format (a rendered signal, a digest, an RPO alert). */
export interface NotificationContent extends ChannelContent {
  readonly subject: string;
  readonly text: string;
  readonly slack: Rendering['slack'];
  readonly teams: Rendering['teams'];
  /** The generic webhook body: a versioned JSON document. */
  readonly webhook: unknown;
}

/** Some channels could not be sent; the others went out and are marked, so a retry sends only these. */
export class ChannelDeliveryError extends FunctionError {
  constructor(
    readonly failedChannels: readonly string[],
    readonly errors: readonly unknown[],
  ) {
    super(`could not send to ${failedChannels.join(', ')}`, { cause: errors[0] });
    this.name = 'ChannelDeliveryError';
  }
}

/** The ledger key of a channel within one notification. */
export function channelKey(channel: ChannelRef): string {
  return `${channel.type}:${channel.name}`;
}

export interface NotifierDeps {
  readonly claims: SignalClaims;
  readonly email: EmailPublisher;
  readonly deliveries: DeliveryQueue;
}

/** What a delivery did. */
export interface DeliveryReport {
  readonly sent: readonly string[];
  /** Channels a previous attempt already sent. */
  readonly skipped: readonly string[];
}

/** Sends notifications to channels, at most once per channel. */
export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  /**
   * Sends `content` to every channel not in `alreadySent`, then marks the notification done. Throws
   * ChannelDeliveryError (after trying every channel) when some could not be sent.
   */
  async deliver(
    notificationId: string,
    content: NotificationContent,
    channels: readonly ChannelRef[],
    alreadySent: ReadonlySet<string>,
  ): Promise<DeliveryReport> {
    const sent: string[] = [];
    const skipped: string[] = [];
    const failed: string[] = [];
    const errors: unknown[] = [];
    const pending = channels.filter((channel) => {
      const sentBefore = alreadySent.has(channelKey(channel));
      if (sentBefore) skipped.push(channelKey(channel));
      return !sentBefore;
    });
    for (const [index, channel] of pending.entries()) {
      const key = channelKey(channel);
      try {
        await this.sendTo(notificationId, content, channel);
      } catch (error) {
        failed.push(key);
        errors.push(error);
        continue;
      }
      // The last channel's mark and the closing of the notification are one write when all went well.
      if (index === pending.length - 1 && failed.length === 0) {
        await this.deps.claims.markDone(notificationId, 'notified', key);
        return { sent: [...sent, key], skipped };
      }
      await this.deps.claims.markChannelSent(notificationId, key);
      sent.push(key);
    }
    if (failed.length > 0) throw new ChannelDeliveryError(failed, errors);
    await this.deps.claims.markDone(notificationId, 'notified');
    return { sent, skipped };
  }

  /** Sends through the channel type's transport (its module in src/core/config/channels says which). */
  private async sendTo(notificationId: string, content: NotificationContent, channel: ChannelRef): Promise<void> {
    const type = channelTypeModule(channel.type);
    if (type.transport === 'email') {
      await this.deps.email.publish({ subject: content.subject, text: content.text, channel: channel.name });
      return;
    }
    if (!channel.secret) {
      throw new FunctionError(`channel ${channel.name} (${channel.type}) names no secret holding its URL`);
    }
    await this.deps.deliveries.send({
      version: 1,
      notificationId,
      channel: { name: channel.name, type: type.type, secret: channel.secret },
      summary: content.subject,
      body: type.body(content),
    });
  }
}
