/**
 * The daily digest as a notification in every format the channels take: an email subject and text, a Slack
 * Block Kit message, a Teams Adaptive Card and a versioned JSON payload for webhooks.
 */
import { actorName } from '../render/describeSignal.js';
import type { SlackBlock, SlackMessage } from '../render/renderSlack.js';
import { type AdaptiveTextBlock, type TeamsMessage, teamsMessage } from '../render/renderTeams.js';
import { toSingleLine, truncateText } from '../render/truncateText.js';
import type { Digest, DigestBucket, DigestPolicyChange, FailingResource } from './buildDigest.js';
import type { RpoBreach } from './findRpoBreaches.js';

/** The digest rendered for every channel. */
export interface DigestRendering {
  readonly subject: string;
  readonly text: string;
  readonly slack: SlackMessage;
  readonly teams: TeamsMessage;
  readonly webhook: DigestPayload;
}

/** The generic webhook body of a digest. */
export interface DigestPayload {
  readonly schema: 'vaultpilot.digest/v1';
  readonly from: string;
  readonly to: string;
  readonly counts: Readonly<Record<DigestBucket, number>>;
  readonly byKind: Digest['byKind'];
  readonly topFailing: readonly FailingResource[];
  readonly failingResourceCount: number;
  readonly policyChanges: readonly DigestPolicyChange[];
  readonly rpoBreaches: readonly {
    readonly resourceArn: string;
    readonly resourceName?: string;
    readonly resourceType?: string;
    readonly account?: string;
    readonly region?: string;
    readonly lastGoodAt: string;
    readonly ageHours: number;
    readonly rpoHours: number;
  }[];
  readonly unparsedCount: number;
}

const KIND_TITLES: Readonly<Record<string, string>> = {
  'backup-job': 'Backup jobs',
  'copy-job': 'Copy jobs',
  'restore-job': 'Restore jobs',
  scan: 'Malware scans',
};

// Lines per list: the digest is a summary; the dashboard and the ledger have the rest.
const MAX_LIST = 10;
const MAX_SUBJECT = 99;
const SLACK_SECTION = 2_900;

/** `120 ok · 3 warnings · 2 failed`. */
export function countsLine(counts: Readonly<Record<DigestBucket, number>>): string {
  return `${counts.ok} ok · ${counts.warnings} ${counts.warnings === 1 ? 'warning' : 'warnings'} · ${counts.failed} failed`;
}

/** Renders a digest. */
export function renderDigest(digest: Digest): DigestRendering {
  const period = `${formatTime(digest.fromMs)} to ${formatTime(digest.toMs)} UTC`;
  const rpo = digest.rpoBreaches.length > 0 ? ` · ${digest.rpoBreaches.length} past RPO` : '';
  const subject = truncateText(`Backup digest: ${countsLine(digest.counts)}${rpo}`, MAX_SUBJECT);
  const sections = digestSections(digest);
  const text = [
    `Vaultpilot daily digest, ${period}`,
    '',
    `Jobs: ${countsLine(digest.counts)}`,
    ...kindLines(digest).map((l) => `  ${l}`),
    ...sections.flatMap((s) => ['', `${s.title}:`, ...s.lines.map((l) => `  ${l}`)]),
    '',
    'Vaultpilot · daily digest',
  ].join('\n');
  return {
    subject,
    text,
    slack: renderSlackDigest(subject, period, digest, sections),
    teams: renderTeamsDigest(period, digest, sections),
    webhook: digestPayload(digest),
  };
}

interface Section {
  readonly title: string;
  readonly lines: readonly string[];
}

function kindLines(digest: Digest): string[] {
  return Object.entries(digest.byKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, counts]) => `${KIND_TITLES[kind] ?? kind}: ${countsLine(counts)}`);
}

function digestSections(digest: Digest): Section[] {
  const sections: Section[] = [];
  if (digest.topFailing.length > 0) {
    const of =
      digest.failingResourceCount > digest.topFailing.length
        ? ` (top ${digest.topFailing.length} of ${digest.failingResourceCount})`
        : '';
    sections.push({
      title: `Failing resources${of}`,
      lines: digest.topFailing.map(
        (r, i) =>
          `${i + 1}. ${resourceLabel(r.resourceName, r.resourceArn, r.resourceType)}${where(r.account, r.region)}: ` +
          `${r.failures} ${r.failures === 1 ? 'failure' : 'failures'}` +
          (r.lastMessage ? `. Last: ${truncateText(toSingleLine(r.lastMessage), 200)}` : ''),
      ),
    });
  }
  if (digest.policyChanges.length > 0) {
    const shown = digest.policyChanges.slice(0, MAX_LIST);
    sections.push({
      title: `Backup policy changes (${digest.policyChanges.length})`,
      lines: [
        ...shown.map((c) => {
          const name = c.policyName && c.policyId ? `${c.policyName} (${c.policyId})` : (c.policyName ?? c.policyId);
          const target = c.targetId ? ` ${c.operation === 'DetachPolicy' ? 'from' : 'to'} ${c.targetId}` : '';
          const by = c.actor ? ` by ${actorName(c.actor)}` : '';
          const refused = c.refused ? ' (refused)' : '';
          return toSingleLine(
            `${formatTime(c.atMs)} ${c.operation ?? 'change'}${name ? ` ${name}` : ''}${target}${by}${refused}`,
          );
        }),
        ...(digest.policyChanges.length > shown.length
          ? [`… and ${digest.policyChanges.length - shown.length} more`]
          : []),
      ],
    });
  }
  if (digest.rpoBreaches.length > 0) {
    const shown = digest.rpoBreaches.slice(0, MAX_LIST);
    sections.push({
      title: `Resources past their RPO (${digest.rpoBreaches.length})`,
      lines: [
        ...shown.map((b) => rpoLine(b)),
        ...(digest.rpoBreaches.length > shown.length ? [`… and ${digest.rpoBreaches.length - shown.length} more`] : []),
      ],
    });
  }
  if (digest.unparsedCount > 0) {
    sections.push({
      title: 'Inputs not understood',
      lines: [`${digest.unparsedCount} kept in the ledger for review (each was also alerted when it arrived)`],
    });
  }
  return sections;
}

/** One line about a resource past its RPO. */
export function rpoLine(breach: RpoBreach): string {
  const r = breach.resource;
  const threshold = breach.status.threshold;
  const why =
    threshold.source === 'resource-type' ? 'for its resource type' : threshold.source === 'tag' ? 'by tag' : 'default';
  return (
    `${resourceLabel(r.resourceName, r.resourceArn, r.resourceType)}${where(r.account, r.region)}: ` +
    `last good recovery point ${breach.status.ageHours} h ago (RPO ${threshold.hours} h, ${why})`
  );
}

function resourceLabel(name: string | undefined, arn: string, type: string | undefined): string {
  const shown = toSingleLine(name ?? arn.split(/[:/]/).filter(Boolean).at(-1) ?? arn);
  return type ? `${shown} (${toSingleLine(type)})` : shown;
}

function where(account: string | undefined, region: string | undefined): string {
  const parts = [account, region].filter((p): p is string => Boolean(p));
  return parts.length > 0 ? ` in ${parts.join(' / ')}` : '';
}

/** `2026-11-20 08:00`. */
function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function renderSlackDigest(
  subject: string,
  period: string,
  digest: Digest,
  sections: readonly Section[],
): SlackMessage {
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncateText('Vaultpilot daily digest', 150), emoji: true } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(period) }] },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncateText(
          [`*Jobs:* ${escapeMrkdwn(countsLine(digest.counts))}`, ...kindLines(digest).map(escapeMrkdwn)].join('\n'),
          SLACK_SECTION,
        ),
      },
    },
    ...sections.map(
      (s): SlackBlock => ({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncateText(
            `*${escapeMrkdwn(s.title)}*\n${s.lines.map((l) => `• ${escapeMrkdwn(l)}`).join('\n')}`,
            SLACK_SECTION,
          ),
        },
      }),
    ),
  ];
  return { text: truncateText(subject, 3_000), blocks };
}

function renderTeamsDigest(period: string, digest: Digest, sections: readonly Section[]): TeamsMessage {
  const body: AdaptiveTextBlock[] = [
    { type: 'TextBlock', text: 'Vaultpilot daily digest', wrap: true, weight: 'Bolder', size: 'Medium' },
    { type: 'TextBlock', text: period, wrap: true, isSubtle: true, spacing: 'None' },
    {
      type: 'TextBlock',
      text: `Jobs: ${countsLine(digest.counts)}`,
      wrap: true,
      weight: 'Bolder',
      color: digest.counts.failed > 0 ? 'Attention' : digest.counts.warnings > 0 ? 'Warning' : 'Good',
    },
    ...kindLines(digest).map((l): AdaptiveTextBlock => ({ type: 'TextBlock', text: l, wrap: true, spacing: 'None' })),
    ...sections.flatMap((s): AdaptiveTextBlock[] => [
      { type: 'TextBlock', text: s.title, wrap: true, weight: 'Bolder', spacing: 'Medium' },
      ...s.lines.map((l): AdaptiveTextBlock => ({ type: 'TextBlock', text: `- ${l}`, wrap: true, spacing: 'None' })),
    ]),
  ];
  return teamsMessage(body);
}

function digestPayload(digest: Digest): DigestPayload {
  return {
    schema: 'vaultpilot.digest/v1',
    from: new Date(digest.fromMs).toISOString(),
    to: new Date(digest.toMs).toISOString(),
    counts: digest.counts,
    byKind: digest.byKind,
    topFailing: digest.topFailing,
    failingResourceCount: digest.failingResourceCount,
    policyChanges: digest.policyChanges,
    rpoBreaches: digest.rpoBreaches.map((b) => ({
      resourceArn: b.resource.resourceArn,
      ...(b.resource.resourceName ? { resourceName: b.resource.resourceName } : {}),
      ...(b.resource.resourceType ? { resourceType: b.resource.resourceType } : {}),
      ...(b.resource.account ? { account: b.resource.account } : {}),
      ...(b.resource.region ? { region: b.resource.region } : {}),
      lastGoodAt: new Date(b.resource.atMs).toISOString(),
      ageHours: b.status.ageHours,
      rpoHours: b.status.threshold.hours,
    })),
    unparsedCount: digest.unparsedCount,
  };
}
