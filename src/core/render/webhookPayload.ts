/**
 * The webhook payload, version 1. This zod schema is the single source of the published JSON Schema
 * (docs/webhook-payload.schema.json). Versioning: within `vaultpilot.signal/v1` fields are only ever
 * added (consumers must ignore fields they do not know); renaming, removing or retyping a field, or
 * changing what it means, makes `vaultpilot.signal/v2`. Absent facts are `null`, never missing keys.
 */
import * as z from 'zod';
import { INPUT_SHAPES, OUTCOMES, SEVERITIES, SIGNAL_KINDS } from '../signal.js';

/** The value of the `schema` field of every payload of this version. */
export const WEBHOOK_SCHEMA_VERSION = 'vaultpilot.signal/v1';

const text = (description: string) => z.string().nullable().describe(description);

export const policyDiffLineSchema = z.looseObject({
  op: z
    .enum(['~', '+', '-', ' '])
    .describe('`~` changed, `+` added, `-` removed, ` ` a line of a document summary or text excerpt'),
  text: z
    .string()
    .describe(
      'The line without its marker, in words, never JSON, e.g. `plan Daily, rule Daily: delete after 2 days → 7 days`',
    ),
});

export const webhookPayloadSchema = z
  .looseObject({
    schema: z.literal(WEBHOOK_SCHEMA_VERSION).describe('Payload format and version'),
    id: z
      .string()
      .describe('Stable signal id: the same real-world transition always has the same id (use it to de-duplicate)'),
    kind: z.enum(SIGNAL_KINDS).describe('What the signal is about'),
    outcome: z.enum(OUTCOMES).describe('What happened'),
    severity: z.enum(SEVERITIES).describe('How urgent it is'),
    source: z.enum(INPUT_SHAPES).describe('The input shape the signal was read from'),
    eventType: z.string().describe('The AWS name of what happened: detail-type, CloudTrail eventName, alarm name, …'),
    state: text('The raw state/status string AWS sent (FAILED, COMPLETED, …)'),
    subject: z
      .string()
      .min(1)
      .max(99)
      .regex(/^[\x20-\x7e]+$/)
      .describe('One-line summary, printable ASCII, at most 99 characters (the email subject)'),
    summary: z.string().describe('What to read first: the AWS status message, or a sentence saying what happened'),
    text: z.string().describe('The full plain-text notification (the email body)'),
    account: text('AWS account id'),
    region: text('AWS region'),
    resource: z.looseObject({
      arn: text('Resource ARN'),
      type: text('AWS Backup resource type (EBS, RDS, Aurora, DynamoDB, EFS, EC2, S3, …)'),
      name: text('Friendly resource name'),
    }),
    vault: z.looseObject({ name: text('Backup vault name'), arn: text('Backup vault ARN') }),
    ids: z.looseObject({
      job: text('Backup, copy, restore or scan job id; the RDS event id for RDS snapshots'),
      recoveryPoint: text('Recovery point ARN'),
    }),
    times: z.looseObject({
      event: text('When AWS emitted the event (ISO-8601)'),
      created: text('Job or resource creation time (ISO-8601)'),
      started: text('Start time (ISO-8601)'),
      completed: text('Completion time (ISO-8601)'),
      startBy: text('Deadline for the job to start (ISO-8601)'),
      durationSeconds: z
        .number()
        .nonnegative()
        .nullable()
        .describe('Seconds from start (or creation) to completion, when both are known'),
    }),
    actor: text('Principal ARN that made the change (CloudTrail), for tamper and policy signals'),
    statusMessage: text('The AWS status message, as sent'),
    reason: text('Why the input could not be understood (kind `unparsed` only)'),
    details: z.record(z.string(), z.string()).describe('Extra facts in readable form (label → value)'),
    links: z
      .array(z.looseObject({ label: z.string(), url: z.string().describe('https URL into the AWS console') }))
      .describe('AWS console deep links, most useful first'),
    shortened: z
      .array(
        z.looseObject({
          field: z.string().describe('Where the value was: `resource.arn`, `statusMessage`, `links.<label>`, …'),
          length: z.number().int().nonnegative().describe('Its length as sent, in UTF-16 code units'),
          kept: z.number().int().nonnegative().describe('How much of it this payload carries (0: left out)'),
        }),
      )
      .describe('Values too long to carry whole, cut to Vaultpilot field limits (empty when none was)'),
    policy: z
      .looseObject({
        id: text('Policy id (p-…)'),
        name: text('Policy name'),
        type: text('Policy type, e.g. BACKUP_POLICY (absent on DeletePolicy)'),
        arn: text('Policy ARN'),
        operation: text('The Organizations API call (CreatePolicy, UpdatePolicy, …)'),
        targetId: text('Account, OU or root the policy was attached to / detached from'),
        diff: z
          .looseObject({
            mode: z
              .enum(['changes', 'unchanged', 'document', 'text-changes', 'text'])
              .describe(
                'How the diff was made (see docs/notifications.md): `changes`/`unchanged` compare two summaries, `document` is the summary of the only known version, `text-changes`/`text` are for documents that are not valid JSON',
              ),
            title: z.string(),
            lines: z.array(policyDiffLineSchema),
            notes: z.array(z.string()).describe('Repairs made to invalid documents and other caveats'),
          })
          .nullable()
          .describe(
            'How the document changed, in words; a summary of the whole document when no previous version is known',
          ),
      })
      .nullable()
      .describe('Organizations policy facts, for policy-change signals'),
  })
  .meta({
    title: 'Vaultpilot webhook payload (vaultpilot.signal/v1)',
    description:
      'One AWS Backup signal as Vaultpilot posts it to webhooks. Fields may be added within v1; consumers must ignore unknown fields.',
  });

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** The JSON Schema (draft 2020-12) of the webhook payload, as published in docs/webhook-payload.schema.json. */
export function webhookPayloadJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(webhookPayloadSchema) as Record<string, unknown>;
}
