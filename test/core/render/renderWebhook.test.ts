import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderWebhook } from '../../../src/core/render/renderWebhook.js';
import {
  WEBHOOK_SCHEMA_VERSION,
  webhookPayloadJsonSchema,
  webhookPayloadSchema,
} from '../../../src/core/render/webhookPayload.js';
import { schemaPath, stringsIn, webhookSchemaErrors } from './renderingChecks.js';
import { failedBackup, policyBefore, policyUpdate, sampleSignals, unparsed } from './sampleSignals.js';

const generated = `${JSON.stringify(webhookPayloadJsonSchema(), null, 2)}\n`;

describe('docs/webhook-payload.schema.json', () => {
  // Compared as JSON, not text: the file is laid out by the project formatter (biome).
  it('is the JSON Schema generated from the zod schema (UPDATE_GOLDEN=1 regenerates it)', () => {
    const current = existsSync(schemaPath) ? JSON.parse(readFileSync(schemaPath, 'utf8')) : undefined;
    // Rewritten only when it changed, so the formatter's layout of an up-to-date file is kept.
    if (process.env.UPDATE_GOLDEN === '1' && !isDeepStrictEqual(current, webhookPayloadJsonSchema())) {
      writeFileSync(schemaPath, generated);
    }
    expect(existsSync(schemaPath)).toBe(true);
    expect(JSON.parse(readFileSync(schemaPath, 'utf8'))).toEqual(webhookPayloadJsonSchema());
  });

  it('rejects a payload of another version or with a missing field', () => {
    const payload = renderWebhook(failedBackup);
    expect(webhookSchemaErrors({ ...payload, schema: 'vaultpilot.signal/v2' })).not.toEqual([]);
    const { subject: _subject, ...withoutSubject } = payload;
    expect(webhookSchemaErrors(withoutSubject)).not.toEqual([]);
  });
});

describe('renderWebhook', () => {
  it.each(Object.entries(sampleSignals))(
    'renders %s as a payload that matches the published schema',
    (_name, signal) => {
      const payload = renderWebhook(signal);
      expect(webhookSchemaErrors(payload)).toEqual([]);
      expect(webhookPayloadSchema.safeParse(payload).success).toBe(true);
    },
  );

  it('carries only the fields of the schema, each present (null when unknown), so consumers can rely on names', () => {
    const payload = renderWebhook(unparsed);
    const properties = (webhookPayloadJsonSchema() as { properties: Record<string, unknown> }).properties;
    expect(Object.keys(payload).sort()).toEqual(Object.keys(properties).sort());
    expect(payload.account).toBeNull();
    expect(payload.vault).toEqual({ name: null, arn: null });
    expect(payload.reason).toBe(unparsed.reason);
  });

  it('names the schema version and the signal facts with stable names', () => {
    const payload = renderWebhook(failedBackup);
    expect(payload.schema).toBe(WEBHOOK_SCHEMA_VERSION);
    expect(payload).toMatchObject({
      id: failedBackup.id,
      kind: 'backup-job',
      outcome: 'failed',
      severity: 'critical',
      account: '111122223333',
      region: 'eu-west-1',
      subject: 'Backup FAILED: prod-db (RDS) in 111122223333 / eu-west-1',
      resource: { name: 'prod-db', type: 'RDS', arn: failedBackup.resource.arn },
      vault: { name: 'prod-vault' },
      ids: { job: failedBackup.jobId, recoveryPoint: null },
      times: { created: '2026-11-21T02:05:00Z', completed: '2026-11-21T03:17:30Z', durationSeconds: 4350 },
    });
    expect(payload.text).toContain(failedBackup.statusMessage);
    expect(payload.links).toEqual(failedBackup.links);
  });

  it('includes the policy diff when the previous document is known', () => {
    const payload = renderWebhook(policyUpdate, { previousPolicyContent: policyBefore });
    expect(payload.policy?.diff?.mode).toBe('changes');
    expect(payload.policy?.diff?.lines).toContainEqual({
      op: '~',
      text: 'plan Daily, rule Daily: delete after 2 days → 7 days',
    });
    expect(payload.policy).toMatchObject({ id: 'p-89nw1aav4i', operation: 'UpdatePolicy', type: 'BACKUP_POLICY' });
  });

  it('never carries the raw input', () => {
    const payload = renderWebhook(unparsed);
    const dump = JSON.stringify(unparsed.raw);
    expect(stringsIn(payload).some((s) => s.includes(dump))).toBe(false);
    expect(JSON.stringify(payload)).not.toContain('"raw"');
  });
});
