import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CHANNEL_TYPE_MODULES,
  CHANNEL_TYPES,
  type ChannelContent,
  channelTypeModule,
  EMAIL_CHANNEL_TYPES,
  isWebhookChannelType,
  WEBHOOK_CHANNEL_TYPES,
} from '../../../src/core/config/channelTypes.js';
import { parseConfig } from '../../../src/core/config/parseConfig.js';
import { parseRuntimeSettings, toRuntimeSettings } from '../../../src/core/config/runtimeSettings.js';

const channelsDir = join(dirname(fileURLToPath(import.meta.url)), '../../../src/core/config/channels');

/** A configuration with one channel of `type`, configured the way its transport needs. */
function configWith(type: string, transport: 'email' | 'webhook'): string {
  const channel = transport === 'email' ? 'addresses: [ops@example.com]' : 'secret: vaultpilot/hook';
  return `organization:
  id: o-a1b2c3d4e5
  managementAccount: '111122223333'
central:
  account: '444455556666'
  region: eu-west-1
members:
  organizationalUnits: [r-ab12]
  regions: [eu-west-1]
notifications:
  defaultChannel: only
  channels:
    - name: only
      type: ${type}
      ${channel}
`;
}

const content: ChannelContent = {
  subject: 'subject',
  text: 'text',
  slack: { for: 'slack' },
  teams: { for: 'teams' },
  webhook: { for: 'webhook' },
};

describe('CHANNEL_TYPES', () => {
  it.each(CHANNEL_TYPES)('has a module for %s in src/core/config/channels, registered under its type', async (type) => {
    const module = CHANNEL_TYPE_MODULES[type];
    expect(module.type).toBe(type);
    expect(channelTypeModule(type)).toBe(module);
    expect(module.description.length).toBeGreaterThan(0);
    const file = (await import(`../../../src/core/config/channels/${type}.ts`)) as Record<string, unknown>;
    expect(Object.values(file)).toContain(module);
  });

  it('registers every module in src/core/config/channels (no channel type left out of the list)', () => {
    const modules = readdirSync(channelsDir)
      .filter((f) => f.endsWith('.ts') && f !== 'channelTypeModule.ts')
      .map((f) => f.slice(0, -3))
      .sort();
    expect(modules).toEqual([...CHANNEL_TYPES].sort());
  });

  it.each(CHANNEL_TYPES)('lets users configure a %s channel, and carries it into the runtime settings', (type) => {
    const module = channelTypeModule(type);
    const result = parseConfig(configWith(type, module.transport));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const settings = parseRuntimeSettings(JSON.stringify(toRuntimeSettings(result.config)));
    expect(settings.channels).toEqual([
      module.transport === 'webhook' ? { name: 'only', type, secret: 'vaultpilot/hook' } : { name: 'only', type },
    ]);
  });

  it.each(CHANNEL_TYPES)('refuses a %s channel configured for the other transport', (type) => {
    const other = channelTypeModule(type).transport === 'email' ? 'webhook' : 'email';
    expect(parseConfig(configWith(type, other)).ok).toBe(false);
  });

  it('splits the types by transport, each once, in list order', () => {
    expect([...EMAIL_CHANNEL_TYPES, ...WEBHOOK_CHANNEL_TYPES].sort()).toEqual([...CHANNEL_TYPES].sort());
    expect(WEBHOOK_CHANNEL_TYPES).toEqual(CHANNEL_TYPES.filter(isWebhookChannelType));
  });

  it('gives each webhook type its own rendering', () => {
    const bodies = WEBHOOK_CHANNEL_TYPES.map((type) => {
      const module = channelTypeModule(type);
      return module.transport === 'webhook' ? module.body(content) : undefined;
    });
    expect(bodies).toEqual([content.slack, content.teams, content.webhook]);
  });
});
