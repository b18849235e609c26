import { describe, expect, it } from 'vitest';
import {
  type AdaptiveContainer,
  type AdaptiveFactSet,
  type AdaptiveTextBlock,
  escapeTeamsMarkdown,
  renderTeams,
  TEAMS_MAX_BYTES,
} from '../../../src/core/render/renderTeams.js';
import type { Signal } from '../../../src/core/signal.js';
import { alarm, failedBackup, partialCopy, policyBefore, policyUpdate } from './sampleSignals.js';

const cardOf = (s: Signal, previousPolicyContent?: string) =>
  renderTeams(s, previousPolicyContent ? { previousPolicyContent } : {}).attachments[0].content;

describe('renderTeams', () => {
  it('is a message with one Adaptive Card 1.4 attachment, as Teams webhooks and Workflows accept', () => {
    const message = renderTeams(failedBackup);
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: { type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' },
    });
  });

  it('colours the title by severity', () => {
    const title = (s: Signal) => (cardOf(s).body[0] as AdaptiveTextBlock).color;
    expect(title(failedBackup)).toBe('Attention');
    expect(title(partialCopy)).toBe('Warning');
    expect(title({ ...alarm, severity: 'info', outcome: 'ok' })).toBe('Good');
    expect(title({ ...alarm, severity: 'info', outcome: 'running' })).toBe('Accent');
  });

  it('lists the facts in a FactSet, severity first', () => {
    const facts = cardOf(failedBackup).body.find((b): b is AdaptiveFactSet => b.type === 'FactSet');
    expect(facts?.facts[0]).toEqual({ title: 'Severity', value: 'CRITICAL' });
    expect(facts?.facts).toContainEqual({ title: 'Vault', value: 'prod-vault' });
  });

  it('opens console links with Action.OpenUrl', () => {
    expect(cardOf(failedBackup).actions).toEqual([
      { type: 'Action.OpenUrl', title: 'AWS Backup backup job', url: failedBackup.links[0]?.url },
    ]);
  });

  it('shows the policy diff in monospace lines whose markers are not markdown bullets', () => {
    const container = cardOf(policyUpdate, policyBefore).body.find(
      (b): b is AdaptiveContainer => b.type === 'Container',
    );
    const texts = container?.items.map((i) => i.text);
    expect(texts).toContain('[~] plan Daily, rule Daily: delete after 2 days → 7 days');
    expect(container?.items[1]?.fontType).toBe('Monospace');
  });

  it('escapes the markdown that AWS names trip over (_ and *) so they are shown as sent', () => {
    expect(escapeTeamsMarkdown('prod_daily_vault *x*')).toBe('prod\\_daily\\_vault \\*x\\*');
    const facts = cardOf({ ...failedBackup, vault: { name: 'prod_daily_vault' } }).body.find(
      (b): b is AdaptiveFactSet => b.type === 'FactSet',
    );
    expect(facts?.facts).toContainEqual({ title: 'Vault', value: 'prod\\_daily\\_vault' });
  });

  it('shrinks a card that would exceed the Teams size limit', () => {
    const huge: Signal = {
      ...failedBackup,
      statusMessage: 'x'.repeat(50_000),
      details: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`Detail ${i}`, 'ü'.repeat(600)])),
    };
    const size = new TextEncoder().encode(JSON.stringify(renderTeams(huge))).length;
    expect(size).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
  });
});
