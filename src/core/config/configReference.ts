/**
 * Generated documentation of the configuration: the JSON Schema editors use
 * (schema/vaultpilot.config.schema.json) and the reference tables in docs/configuration.md. Both come
 * from the zod schema, so the docs cannot drift from what `vaultpilot validate` accepts; a test compares
 * the committed files with what these functions produce.
 */
import * as z from 'zod';
import { SIGNAL_KINDS } from '../signal.js';
import { AWS_REGIONS, BACKUP_RESOURCE_TYPES, VAULT_NOTIFICATION_EVENTS } from './awsNames.js';
import { VaultpilotConfigSchema } from './configSchema.js';

/** Where the JSON Schema lives in the package. */
export const CONFIG_SCHEMA_PATH = 'schema/vaultpilot.config.schema.json';

export const REFERENCE_BEGIN =
  '<!-- BEGIN GENERATED REFERENCE: edit src/core/config/configSchema.ts, then run npx tsx scripts/generateConfigDocs.ts -->';
export const REFERENCE_END = '<!-- END GENERATED REFERENCE -->';
export const EXAMPLE_BEGIN =
  '<!-- BEGIN EXAMPLE: copied from examples/vaultpilot.config.yaml by scripts/generateConfigDocs.ts -->';
export const EXAMPLE_END = '<!-- END EXAMPLE -->';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  multipleOf?: number;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  [key: string]: unknown;
};

/** The JSON Schema (draft-07, what yaml-language-server reads best) describing the file as written. */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(VaultpilotConfigSchema, { io: 'input', target: 'draft-7' }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'vaultpilot.config.yaml',
    ...rest,
  };
}

/** The JSON Schema file's text, as committed. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

interface Row {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultValue?: unknown;
  readonly description: string;
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) {
    const named = NAMED_LISTS.find((list) => sameValues(list.values, schema.enum ?? []));
    if (named) return `${named.label} (see [allowed names](#allowed-names))`;
    return schema.enum.map((v) => `\`${String(v)}\``).join(' | ');
  }
  const constraints: string[] = [];
  if (schema.pattern && schema.format !== 'email') constraints.push(`pattern \`${schema.pattern}\``);
  if (schema.format === 'email') constraints.push('email address');
  if (schema.minimum !== undefined) constraints.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER) constraints.push(`≤ ${schema.maximum}`);
  if (schema.multipleOf !== undefined) constraints.push(`multiple of ${schema.multipleOf}`);
  if (schema.minItems !== undefined && schema.minItems > 0) constraints.push(`at least ${schema.minItems}`);
  if (schema.type === 'array' && schema.items) {
    const item = schema.items.properties || schema.items.oneOf ? 'map' : typeOf(schema.items);
    return `list of ${item}${constraints.length ? ` (${constraints.join(', ')})` : ''}`;
  }
  if (schema.type === 'object' && schema.propertyNames)
    return `map: ${typeOf(schema.propertyNames)} → ${typeOf(schema.additionalProperties as JsonSchema)}`;
  const base =
    schema.type === 'integer' ? 'whole number' : schema.type === 'object' ? 'map' : String(schema.type ?? 'any');
  return constraints.length ? `${base} (${constraints.join(', ')})` : base;
}

/** Long closed lists, documented once under "Allowed names" instead of in every row. */
const NAMED_LISTS: readonly { label: string; values: readonly string[] }[] = [
  { label: 'AWS Region name', values: AWS_REGIONS },
  { label: 'signal kind', values: SIGNAL_KINDS },
  { label: 'AWS Backup resource type', values: BACKUP_RESOURCE_TYPES },
  { label: 'vault event', values: VAULT_NOTIFICATION_EVENTS },
];

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The section listing every long closed list once. */
function renderAllowedNames(): string {
  const lines = ['### Allowed names'];
  for (const list of NAMED_LISTS) {
    lines.push(
      '',
      `${list.label[0]!.toUpperCase()}${list.label.slice(1)}s: ${list.values.map((v) => `\`${v}\``).join(', ')}.`,
    );
  }
  return lines.join('\n');
}

function rowsOf(schema: JsonSchema, path: string, required: boolean, out: Row[]): void {
  if (path !== '') {
    out.push({
      path,
      type: typeOf(schema),
      required,
      ...(schema.default !== undefined ? { defaultValue: schema.default } : {}),
      description: schema.description ?? '',
    });
  }
  const target = schema.type === 'array' && schema.items ? schema.items : schema;
  const childPrefix = schema.type === 'array' ? `${path}[]` : path;
  if (target.properties) {
    for (const [key, child] of Object.entries(target.properties)) {
      rowsOf(child, childPrefix === '' ? key : `${childPrefix}.${key}`, (target.required ?? []).includes(key), out);
    }
  }
  const variants = target.oneOf ?? [];
  for (const variant of variants) {
    for (const [key, child] of Object.entries(variant.properties ?? {})) {
      if (key === 'type') continue;
      const label = `${childPrefix}.${key}`;
      if (out.some((r) => r.path === label)) continue;
      const owners = variants.filter((v) => v.properties?.[key]).map((v) => `\`${String(v.properties?.type?.const)}\``);
      const only = owners.length < variants.length ? `Only for type ${owners.join(', ')}. ` : '';
      rowsOf(
        { ...child, description: `${only}${child.description ?? ''}` },
        label,
        (variant.required ?? []).includes(key),
        out,
      );
    }
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function formatDefault(value: unknown): string {
  if (value === undefined || isEmptyObject(value)) return '';
  return `\`${JSON.stringify(value)}\``;
}

/** The generated reference: one table per top-level section, every field with type, default and description. */
export function renderConfigReference(): string {
  const schema = configJsonSchema() as JsonSchema;
  const sections: string[] = [];
  for (const [key, section] of Object.entries(schema.properties ?? {})) {
    const rows: Row[] = [];
    rowsOf(section, key, (schema.required ?? []).includes(key), rows);
    const [head, ...fields] = rows;
    const lines = [`### \`${key}\``, '', cell(head?.description ?? ''), ''];
    lines.push(
      `Required: ${head?.required ? 'yes' : 'no'}. Type: ${head?.type ?? ''}.${head?.defaultValue !== undefined && !isEmptyObject(head.defaultValue) ? ` Default: ${formatDefault(head.defaultValue)}.` : ''}`,
    );
    const channelTypes = channelTypeNote(section);
    if (channelTypes) lines.push('', channelTypes);
    if (fields.length > 0) {
      lines.push('', '| Setting | Type | Required | Default | Description |', '|---|---|---|---|---|');
      for (const row of fields) {
        lines.push(
          `| \`${row.path}\` | ${cell(row.type)} | ${row.required ? 'yes' : 'no'} | ${cell(formatDefault(row.defaultValue))} | ${cell(row.description)} |`,
        );
      }
    }
    sections.push(lines.join('\n'));
  }
  sections.push(renderAllowedNames());
  return `${sections.join('\n\n')}\n`;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** Lists the channel types when a section holds the channel union. */
function channelTypeNote(section: JsonSchema): string | undefined {
  const channels = section.properties?.channels?.items?.oneOf;
  if (!channels) return undefined;
  const lines = ['Channel types (`notifications.channels[].type`):', ''];
  for (const variant of channels) {
    const type = variant.properties?.type;
    const fields = Object.keys(variant.properties ?? {}).filter((k) => k !== 'type');
    lines.push(
      `- \`${String(type?.const)}\`: ${variant.description ?? ''} Fields: ${fields.map((f) => `\`${f}\``).join(', ')}.`,
    );
  }
  return lines.join('\n');
}

/** Replaces the text between two marker lines; throws when the markers are missing. */
function replaceBetween(document: string, begin: string, end: string, content: string): string {
  const start = document.indexOf(begin);
  const stop = document.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`markers not found: ${begin} … ${end}`);
  return `${document.slice(0, start + begin.length)}\n\n${content.trimEnd()}\n\n${document.slice(stop)}`;
}

/** docs/configuration.md with its generated reference and example sections brought up to date. */
export function updateConfigurationDoc(markdown: string, exampleYaml: string): string {
  const withReference = replaceBetween(markdown, REFERENCE_BEGIN, REFERENCE_END, renderConfigReference());
  return replaceBetween(withReference, EXAMPLE_BEGIN, EXAMPLE_END, `\`\`\`yaml\n${exampleYaml.trimEnd()}\n\`\`\``);
}
