import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, renderSlack, SLACK_LIMITS, type SlackBlock } from '../../../src/core/render/renderSlack.js';
import type { Signal } from '../../../src/core/signal.js';
import { alarm, failedBackup, policyBefore, policyUpdate, unparsed } from './sampleSignals.js';

const ofType = <T extends SlackBlock['type']>(blocks: readonly SlackBlock[], type: T) =>
  blocks.filter((b): b is Extract<SlackBlock, { type: T }> => b.type === type);
const textOf = (b: SlackBlock) => ('text' in b ? b.text.text : '');

describe('renderSlack', () => {
  it('opens with a header carrying the severity emoji and the headline', () => {
    const [header] = renderSlack(failedBackup).blocks;
    expect(header).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🚨 Backup FAILED: prod-db (RDS) in 111122223333 / eu-west-1', emoji: true },
    });
  });

  it('shows warnings and good news with their own emoji', () => {
    expect(textOf(renderSlack({ ...failedBackup, severity: 'warning' }).blocks[0]!)).toMatch(/^⚠️ /);
    expect(textOf(renderSlack({ ...alarm, severity: 'info', outcome: 'ok', state: 'OK' }).blocks[0]!)).toMatch(/^✅ /);
  });

  it('puts short facts into section fields and long ones (ARNs) into a section of their own', () => {
    const { blocks } = renderSlack(failedBackup);
    const fields = ofType(blocks, 'section').flatMap((b) => ('fields' in b ? b.fields : []));
    expect(fields).toContainEqual({ type: 'mrkdwn', text: '*Account*\n111122223333' });
    expect(fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
    expect(blocks.map(textOf).join('\n')).toContain('*Resource ARN:* arn:aws:rds:eu-west-1:111122223333:db:prod-db');
  });

  it('adds link buttons and a context footer', () => {
    const { blocks } = renderSlack(failedBackup);
    const [actions] = ofType(blocks, 'actions');
    expect(actions?.elements[0]).toMatchObject({ type: 'button', url: failedBackup.links[0]?.url });
    expect(blocks.at(-1)?.type).toBe('context');
  });

  it('has a text fallback for notifications', () => {
    expect(renderSlack(failedBackup).text).toContain('Backup FAILED: prod-db (RDS)');
  });

  it('escapes &, < and > in mrkdwn', () => {
    expect(escapeMrkdwn('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    const sneaky: Signal = { ...failedBackup, statusMessage: 'see <!channel> & <https://evil|here>' };
    const section = renderSlack(sneaky).blocks[1];
    expect(textOf(section!)).toBe('see &lt;!channel&gt; &amp; &lt;https://evil|here&gt;');
  });

  it('shows the policy diff as a code block', () => {
    const { blocks } = renderSlack(policyUpdate, { previousPolicyContent: policyBefore });
    const diff = blocks.map(textOf).find((t) => t.startsWith('*Policy:'));
    expect(diff).toContain('```~ plan Daily, rule Daily: delete after 2 days → 7 days\n+ plan Weekly (new plan)');
  });

  it('respects Slack limits for a very long status message, a 200-character name and many details', () => {
    const huge: Signal = {
      ...failedBackup,
      statusMessage: '<&>'.repeat(5_000),
      resource: { ...failedBackup.resource, name: `🎂${'é'.repeat(199)}` },
      details: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`Detail ${i}`, 'v'.repeat(500)])),
      links: Array.from({ length: 40 }, (_, i) => ({
        label: `Link ${i} ${'x'.repeat(100)}`,
        url: `https://example.com/${i}`,
      })),
    };
    const { blocks, text } = renderSlack(huge);
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(textOf(blocks[0]!).length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    for (const b of blocks) expect(textOf(b).length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(textOf(blocks[1]!)).not.toMatch(/&[a-z]{0,3}…$/);
    for (const b of ofType(blocks, 'actions').flatMap((a) => a.elements)) {
      expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
    }
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });

  it('labels the input excerpt of unparsed signals and keeps it short', () => {
    const all = renderSlack(unparsed).blocks.map(textOf).join('\n');
    expect(all).toContain('*Input excerpt* (truncated, for diagnosis only)');
    expect(all).not.toContain(JSON.stringify(unparsed.raw));
  });
});
