import type { Signal } from '../signal.js';
import { describeSignal, type RenderOptions } from './describeSignal.js';
import { renderSlack, type SlackMessage } from './renderSlack.js';
import { renderSubject } from './renderSubject.js';
import { renderTeams, type TeamsMessage } from './renderTeams.js';
import { renderText } from './renderText.js';
import { renderWebhook } from './renderWebhook.js';
import type { WebhookPayload } from './webhookPayload.js';

export type { RenderOptions } from './describeSignal.js';
export type { SlackMessage } from './renderSlack.js';
export type { TeamsMessage } from './renderTeams.js';
export type { WebhookPayload } from './webhookPayload.js';

/** A signal rendered for every channel Vaultpilot delivers to. */
export interface Rendering {
  /** Email / SNS subject: printable ASCII, at most 99 characters. */
  readonly subject: string;
  /** Plain-text body (email, SNS). */
  readonly text: string;
  /** Slack Block Kit message (chat.postMessage or incoming webhook body). */
  readonly slack: SlackMessage;
  /** Microsoft Teams message with one Adaptive Card (incoming webhook or Workflows). */
  readonly teams: TeamsMessage;
  /** Versioned JSON payload for generic webhooks (`vaultpilot.signal/v1`). */
  readonly webhook: WebhookPayload;
}

/** Renders a signal for every channel. Pure and total: any Signal renders, nothing throws, no raw input is dumped. */
export function renderSignal(signal: Signal, options: RenderOptions = {}): Rendering {
  const description = describeSignal(signal, options);
  const subject = renderSubject(signal, options, description);
  const text = renderText(signal, options, description);
  return {
    subject,
    text,
    slack: renderSlack(signal, options, description),
    teams: renderTeams(signal, options, description),
    webhook: renderWebhook(signal, options, description, { subject, text }),
  };
}
