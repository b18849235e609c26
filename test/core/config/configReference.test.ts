import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderGeneratedConfigFiles } from '../../../scripts/generateConfigDocs.js';
import {
  CONFIG_SCHEMA_PATH,
  configJsonSchema,
  renderConfigReference,
} from '../../../src/core/config/configReference.js';
import { renderStarterConfig } from '../../../src/core/config/starterConfig.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('generated configuration docs', () => {
  it.each(Object.entries(renderGeneratedConfigFiles()))(
    'has %s up to date (run npx tsx scripts/generateConfigDocs.ts)',
    (path, expected) => {
      expect(read(path)).toBe(expected);
    },
  );

  it('documents every field of every section with its default', () => {
    const reference = renderConfigReference();
    for (const path of [
      'organization.id',
      'central.eventBusName',
      'members.organizationalUnits',
      'watchedVaults[].regions',
      'notifications.channels[].secret',
      'notifications.routes[].kinds',
      'rpo.tags[].hours',
      'alarms.failedJobs.periodMinutes',
      'alarms.anomalyDetection.bandWidth',
      'alarms.freshness.hours',
      'digest.timeZone',
      'vaultNotifications.events',
    ]) {
      expect(reference).toContain(`| \`${path}\` |`);
    }
    expect(reference).toMatch(/\| `digest\.time` \| .* \| no \| `"08:00"` \|/);
    expect(reference).toMatch(/Only for type `slack`, `teams`, `webhook`\./);
    expect(reference).toContain('`eusc-de-east-1`');
  });

  it('carries the example file into docs/configuration.md', () => {
    const doc = read('docs/configuration.md');
    expect(doc).toContain(read('examples/vaultpilot.config.yaml').trimEnd());
  });
});

describe('the JSON Schema for editors', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(configJsonSchema());

  it('is the committed schema file', () => {
    expect(JSON.parse(read(CONFIG_SCHEMA_PATH))).toEqual(configJsonSchema());
  });

  it('accepts the example and the starter file', () => {
    expect(validate(parse(read('examples/vaultpilot.config.yaml'))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(parse(renderStarterConfig('x.json'))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects unknown keys and URLs in secrets, as validate does', () => {
    const config = parse(read('examples/vaultpilot.config.yaml'));
    expect(validate({ ...config, regoins: [] })).toBe(false);
    config.notifications.channels[1].secret = 'https://hooks.slack.com/services/x';
    expect(validate(config)).toBe(false);
  });

  it('leaves defaulted fields optional', () => {
    const schema = configJsonSchema() as { required: string[] };
    expect(schema.required.sort()).toEqual(['central', 'members', 'notifications', 'organization']);
  });
});
