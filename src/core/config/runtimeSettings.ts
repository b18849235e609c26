/**
 * The part of the configuration the Lambda functions need at run time. The CDK app derives it from
 * the validated configuration and passes it as JSON in the `VAULTPILOT_SETTINGS` environment variable
 * (ENV.settings in src/core/deployment/contract.ts); handlers read it back with parseRuntimeSettings.
 *
 * Lambda allows 4 KB for all environment variables of a function together, so the JSON is compact,
 * leaves out what no handler reads (email addresses, alarm thresholds) and is measured before deploying.
 */
import * as z from 'zod';
import { SEVERITIES, SIGNAL_KINDS } from '../signal.js';
import { RuntimeSettingsError, RuntimeSettingsTooLargeError } from './ConfigError.js';
import { CHANNEL_TYPES } from './channelTypes.js';
import type { VaultpilotConfig } from './configSchema.js';

/** Lambda's limit for the environment variables of one function, keys and values together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** What the settings may take; the rest is kept for the other variables (table name, topic and queue URLs). */
export const RUNTIME_SETTINGS_MAX_BYTES = 3072;

const ChannelRefSchema = z
  .object({
    name: z.string().min(1),
    type: z.enum(CHANNEL_TYPES),
    /** Secrets Manager secret name or ARN holding the webhook URL; absent for email. */
    secret: z.string().min(1).optional(),
  })
  .strict();

const RuntimeSettingsSchema = z
  .object({
    version: z.literal(1),
    organizationId: z.string().min(1),
    managementAccount: z.string().min(1),
    centralAccount: z.string().min(1),
    centralRegion: z.string().min(1),
    eventBusName: z.string().min(1),
    channels: z.array(ChannelRefSchema).min(1),
    defaultChannel: z.string().min(1),
    routes: z.array(
      z
        .object({
          channels: z.array(z.string().min(1)).min(1),
          severities: z.array(z.enum(SEVERITIES)).min(1),
          kinds: z.array(z.enum(SIGNAL_KINDS)).min(1).optional(),
        })
        .strict(),
    ),
    successMessages: z.boolean(),
    progressMessages: z.boolean(),
    watchedVaults: z.array(
      z
        .object({
          name: z.string().min(1),
          accounts: z.array(z.string()).optional(),
          regions: z.array(z.string()).optional(),
        })
        .strict(),
    ),
    rpo: z
      .object({
        enabled: z.boolean(),
        defaultHours: z.number().positive(),
        resourceTypes: z.record(z.string(), z.number().positive()),
        tags: z.array(
          z.object({ key: z.string().min(1), value: z.string().optional(), hours: z.number().positive() }).strict(),
        ),
      })
      .strict(),
    digest: z
      .object({
        enabled: z.boolean(),
        time: z.string(),
        timeZone: z.string(),
        channels: z.array(z.string().min(1)).min(1),
      })
      .strict(),
  })
  .strict()
  .superRefine((settings, ctx) => {
    const names = new Set(settings.channels.map((c) => c.name));
    const referenced = [
      settings.defaultChannel,
      ...settings.routes.flatMap((r) => r.channels),
      ...settings.digest.channels,
    ];
    for (const name of referenced) {
      if (!names.has(name)) ctx.addIssue({ code: 'custom', message: `refers to undefined channel "${name}"` });
    }
  });

/** What the Lambda functions know of the configuration. */
export type RuntimeSettings = z.output<typeof RuntimeSettingsSchema>;
/** A channel as the router and the delivery function see it. */
export type ChannelRef = RuntimeSettings['channels'][number];
export type RuntimeRoute = RuntimeSettings['routes'][number];
export type RuntimeRpoSettings = RuntimeSettings['rpo'];

/** Derives the runtime settings from a validated configuration. */
export function toRuntimeSettings(config: VaultpilotConfig): RuntimeSettings {
  const n = config.notifications;
  return {
    version: 1,
    organizationId: config.organization.id,
    managementAccount: config.organization.managementAccount,
    centralAccount: config.central.account,
    centralRegion: config.central.region,
    eventBusName: config.central.eventBusName,
    channels: n.channels.map((c) =>
      'secret' in c ? { name: c.name, type: c.type, secret: c.secret } : { name: c.name, type: c.type },
    ),
    defaultChannel: n.defaultChannel,
    routes: n.routes.map((r) => ({
      channels: [...r.channels],
      severities: [...r.severities],
      ...(r.kinds ? { kinds: [...r.kinds] } : {}),
    })),
    successMessages: n.successMessages,
    progressMessages: n.progressMessages,
    watchedVaults: config.watchedVaults.map((v) => ({
      name: v.name,
      ...(v.accounts ? { accounts: [...v.accounts] } : {}),
      ...(v.regions ? { regions: [...v.regions] } : {}),
    })),
    rpo: {
      enabled: config.rpo.enabled,
      defaultHours: config.rpo.defaultHours,
      resourceTypes: { ...config.rpo.resourceTypes } as Record<string, number>,
      tags: config.rpo.tags.map((t) => ({
        key: t.key,
        ...(t.value !== undefined ? { value: t.value } : {}),
        hours: t.hours,
      })),
    },
    digest: {
      enabled: config.digest.enabled,
      time: config.digest.time,
      timeZone: config.digest.timeZone,
      channels: [...(config.digest.channels ?? [n.defaultChannel])],
    },
  };
}

/** Size in bytes of a string as Lambda counts it (UTF-8). */
function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Serializes runtime settings to the compact JSON the CDK app puts in VAULTPILOT_SETTINGS,
 * and throws RuntimeSettingsTooLargeError when it would not fit next to the other variables.
 */
export function serializeRuntimeSettings(settings: RuntimeSettings, maxBytes = RUNTIME_SETTINGS_MAX_BYTES): string {
  const json = JSON.stringify(settings);
  const bytes = utf8Bytes(json);
  if (bytes > maxBytes) {
    const parts = (
      [
        ['notifications.channels', settings.channels],
        ['notifications.routes', settings.routes],
        ['watchedVaults', settings.watchedVaults],
        ['rpo', settings.rpo],
        ['digest', settings.digest],
      ] as const
    )
      .map(([name, part]) => ({ name, bytes: utf8Bytes(JSON.stringify(part)) }))
      .sort((a, b) => b.bytes - a.bytes)
      .map((p) => `${p.name} ${p.bytes} B`)
      .join(', ');
    throw new RuntimeSettingsTooLargeError(
      `the runtime settings take ${bytes} bytes, more than the ${maxBytes} bytes they may use ` +
        `(Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes for all environment variables of a function). ` +
        `Largest parts: ${parts}. Use fewer watched vaults (an empty list watches every vault), ` +
        'merge routes, or give secrets by name instead of full ARN.',
      bytes,
      maxBytes,
    );
  }
  return json;
}

/** Reads runtime settings from the JSON in VAULTPILOT_SETTINGS; throws RuntimeSettingsError naming what is wrong. */
export function parseRuntimeSettings(json: string | undefined): RuntimeSettings {
  if (json === undefined || json.trim() === '') {
    throw new RuntimeSettingsError('runtime settings are missing: the VAULTPILOT_SETTINGS variable is empty or unset');
  }
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new RuntimeSettingsError('runtime settings are not valid JSON', { cause: error });
  }
  const parsed = RuntimeSettingsSchema.safeParse(data);
  if (!parsed.success) {
    const details = parsed.error.issues
      .slice(0, 10)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new RuntimeSettingsError(`runtime settings are invalid: ${details}`, { cause: parsed.error });
  }
  return parsed.data;
}
