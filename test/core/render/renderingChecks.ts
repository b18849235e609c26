/**
 * Checks shared by the renderer tests: every channel limit we promise, and the promise that no
 * rendering carries a dump of the raw input. Each returns human-readable violations (empty = fine).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Rendering } from '../../../src/core/render/renderSignal.js';
import { SLACK_LIMITS } from '../../../src/core/render/renderSlack.js';
import { TEAMS_MAX_BYTES } from '../../../src/core/render/renderTeams.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const schemaPath = join(repoRoot, 'docs/webhook-payload.schema.json');

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every string inside a JSON-like value. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

let validator: ((data: unknown) => boolean) & { errors?: unknown } = Object.assign(() => true, {});
let validatorLoaded = false;

/** Validates a payload against the published JSON Schema file (not the zod schema it came from). */
export function webhookSchemaErrors(payload: unknown): string[] {
  if (!validatorLoaded) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    validator = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    validatorLoaded = true;
  }
  return validator(payload) ? [] : [`webhook payload does not match the schema: ${JSON.stringify(validator.errors)}`];
}

/** The text of every mrkdwn text object (plain_text needs no escaping). */
function mrkdwnTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(mrkdwnTexts);
  if (!value || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (record.type === 'mrkdwn' && typeof record.text === 'string') return [record.text];
  return Object.values(record).flatMap(mrkdwnTexts);
}

/** Everything a rendering breaks of the limits of SNS, Slack, Teams and our webhook schema. */
export function limitViolations(r: Rendering): string[] {
  const v: string[] = [];
  if (r.subject.length === 0 || r.subject.length > 99) v.push(`subject has ${r.subject.length} characters`);
  if (!/^[\x20-\x7e]+$/.test(r.subject)) v.push(`subject is not printable ASCII: ${JSON.stringify(r.subject)}`);
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(r.text)) v.push('text contains control characters');
  if (!r.text.includes('Vaultpilot')) v.push('text has no footer naming Vaultpilot');
  const textBytes = new TextEncoder().encode(r.text).length;
  if (textBytes > 200_000) v.push(`text is ${textBytes} bytes, too close to the SNS limit of 256 KB`);

  const { slack } = r;
  if (slack.text.length === 0 || slack.text.length > SLACK_LIMITS.fallbackText) v.push('slack fallback text length');
  if (slack.blocks.length > SLACK_LIMITS.blocks) v.push(`slack has ${slack.blocks.length} blocks`);
  for (const block of slack.blocks) {
    if (block.type === 'header' && block.text.text.length > SLACK_LIMITS.headerText) v.push('slack header too long');
    if (block.type === 'section' && 'text' in block && block.text.text.length > SLACK_LIMITS.sectionText)
      v.push('slack section too long');
    if (block.type === 'section' && 'fields' in block) {
      if (block.fields.length > SLACK_LIMITS.fields) v.push('slack has too many fields');
      if (block.fields.some((f) => f.text.length > SLACK_LIMITS.fieldText)) v.push('slack field too long');
    }
    if (block.type === 'context' && block.elements.length > SLACK_LIMITS.contextElements) v.push('slack context');
    if (block.type === 'actions') {
      if (block.elements.length > SLACK_LIMITS.actionElements) v.push('slack has too many buttons');
      for (const b of block.elements) {
        if (b.text.text.length > SLACK_LIMITS.buttonText) v.push('slack button text too long');
        if (b.url.length > SLACK_LIMITS.buttonUrl) v.push('slack button url too long');
      }
    }
  }
  for (const t of mrkdwnTexts(slack.blocks)) {
    if (/[<>]/.test(t)) v.push(`slack mrkdwn has unescaped < or >: ${t.slice(0, 80)}`);
    if (/&(?!amp;|lt;|gt;)/.test(t)) v.push(`slack mrkdwn has a bare &: ${t.slice(0, 80)}`);
  }

  const card = r.teams.attachments[0];
  if (card.contentType !== 'application/vnd.microsoft.card.adaptive') v.push('teams content type');
  if (card.content.version !== '1.4') v.push('teams card version');
  const size = new TextEncoder().encode(JSON.stringify(r.teams)).length;
  if (size > TEAMS_MAX_BYTES) v.push(`teams message is ${size} bytes`);

  v.push(...webhookSchemaErrors(r.webhook));

  for (const s of stringsIn(r))
    if (LONE_SURROGATE.test(s)) v.push(`lone surrogate in ${JSON.stringify(s.slice(0, 40))}`);
  return v;
}

/** Strings of the rendering that contain a JSON dump (compact or pretty) of `raw`. */
export function rawDumps(r: Rendering, raw: unknown, minLength = 161): string[] {
  let dumps: string[];
  try {
    dumps = [JSON.stringify(raw), JSON.stringify(raw, null, 2)].filter(
      (d): d is string => typeof d === 'string' && d.length >= minLength,
    );
  } catch {
    return [];
  }
  return stringsIn(r).filter((s) => dumps.some((d) => s.includes(d)));
}
