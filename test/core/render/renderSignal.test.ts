import { describe, expect, it } from 'vitest';
import { renderSignal } from '../../../src/core/render/renderSignal.js';
import type { Signal } from '../../../src/core/signal.js';
import { stringsIn } from './renderingChecks.js';
import {
  alarm,
  failedBackup,
  partialCopy,
  policyBefore,
  policyUpdate,
  sampleSignals,
  unparsed,
} from './sampleSignals.js';

const all = (value: unknown) => stringsIn(value).join('\n');

describe('renderSignal', () => {
  it.each(Object.entries(sampleSignals))('gives %s the same subject and text in the email and the webhook', (_n, s) => {
    const r = renderSignal(s);
    expect(r.webhook.subject).toBe(r.subject);
    expect(r.webhook.text).toBe(r.text);
  });

  it.each([
    ['critical', failedBackup, 'CRITICAL', '🚨', 'Attention'],
    ['warning', partialCopy, 'WARNING', '⚠️', 'Warning'],
    ['info', { ...alarm, severity: 'info', outcome: 'ok', state: 'OK' } as Signal, 'INFO', '✅', 'Good'],
  ] as const)('shows severity %s in every format', (severity, signal, word, emoji, color) => {
    const r = renderSignal(signal);
    expect(r.text).toMatch(new RegExp(`^Severity: +${word}$`, 'm'));
    expect(r.slack.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: expect.stringMatching(new RegExp(`^${emoji} `)) },
    });
    expect(r.teams.attachments[0].content.body[0]).toMatchObject({ type: 'TextBlock', color });
    expect(all(r.teams)).toContain(word);
    expect(r.webhook.severity).toBe(severity);
  });

  it('includes the policy diff in every format', () => {
    const r = renderSignal(policyUpdate, { previousPolicyContent: policyBefore });
    const change = 'plan Daily, rule Daily: delete after 2 days → 7 days';
    expect(r.text).toContain(change);
    expect(all(r.slack)).toContain(change);
    expect(all(r.teams)).toContain(change.replace(/_/g, '\\_'));
    expect(r.webhook.policy?.diff?.lines.map((l) => l.text).join('\n')).toContain(change);
  });

  it('shows the unparsed reason in every format, and the raw input in none', () => {
    const r = renderSignal(unparsed);
    const dump = JSON.stringify(unparsed.raw);
    for (const form of [r.subject, r.text, all(r.slack), all(r.teams), all(r.webhook)]) {
      expect(form.replace(/\\_/g, '_')).toContain('no known input shape matches');
      expect(form).not.toContain(dump);
    }
  });

  it('puts console links in every format', () => {
    const r = renderSignal(failedBackup);
    const url = failedBackup.links[0]?.url ?? '';
    expect(r.text).toContain(url);
    expect(all(r.slack)).toContain(url);
    expect(r.teams.attachments[0].content.actions[0]?.url).toBe(url);
    expect(r.webhook.links[0]?.url).toBe(url);
  });

  it('drops links that are not https console URLs', () => {
    const r = renderSignal({
      ...failedBackup,
      links: [
        { label: 'evil', url: 'javascript:alert(1)' },
        { label: 'plain', url: 'http://example.com' },
      ],
    });
    expect(all(r)).not.toContain('javascript:');
    expect(all(r)).not.toContain('http://example.com');
  });
});
