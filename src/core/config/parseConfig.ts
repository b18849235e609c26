/**
 * Reads `vaultpilot.config.yaml` text into a validated configuration, or into the complete list of
 * what is wrong with it — each problem with its path, the line and column in the file, and a hint.
 * Pure: the caller reads the file.
 */
import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { DEPRECATED_VAULT_NOTIFICATION_EVENTS } from './awsNames.js';
import { InvalidConfigError } from './ConfigError.js';
import { checkConfigConsistency } from './checkConfigConsistency.js';
import { type ConfigProblem, type DocPath, formatPath, type UnplacedProblem } from './configProblem.js';
import { type VaultpilotConfig, VaultpilotConfigSchema } from './configSchema.js';
import { suggestName } from './suggestName.js';

export type { ConfigProblem } from './configProblem.js';

export type ConfigResult =
  | {
      readonly ok: true;
      readonly config: VaultpilotConfig;
      readonly warnings: ConfigProblem[];
      readonly source: string;
    }
  | {
      readonly ok: false;
      readonly problems: ConfigProblem[];
      readonly warnings: ConfigProblem[];
      readonly source: string;
    };

/** Parses and validates configuration text; reports every problem at once. */
export function parseConfig(yamlText: string, sourceName = 'vaultpilot.config.yaml'): ConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const warnings: ConfigProblem[] = doc.warnings.map((w) => ({
    path: '',
    message: firstLine(w.message),
    ...position(w.pos[0]),
  }));

  if (doc.errors.length > 0) {
    // Schema checks on a document YAML could not read would only add noise: report the syntax first.
    const problems = doc.errors.map((e): ConfigProblem => {
      const hint = yamlErrorHint(e.code);
      return {
        path: '',
        message:
          e.code === 'MULTIPLE_DOCS'
            ? 'the file holds several YAML documents; Vaultpilot reads one'
            : `YAML syntax: ${firstLine(e.message)}`,
        ...(hint ? { hint } : {}),
        ...position(e.pos[0]),
      };
    });
    return { ok: false, problems, warnings, source: sourceName };
  }
  if (doc.contents === null) {
    return {
      ok: false,
      problems: [{ path: '', message: 'the file is empty', hint: 'run `vaultpilot init` to write a starter file' }],
      warnings,
      source: sourceName,
    };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problems: [{ path: '', message: `YAML: ${message}` }], warnings, source: sourceName };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return {
      ok: false,
      problems: [
        {
          path: '',
          message: 'the file must be a map of settings (organization:, central:, …)',
          hint: 'run `vaultpilot init` to write a starter file',
          line: 1,
          column: 1,
        },
      ],
      warnings,
      source: sourceName,
    };
  }

  const place = (p: UnplacedProblem): ConfigProblem => ({
    path: formatPath(p.path),
    message: p.message,
    ...(p.hint ? { hint: p.hint } : {}),
    ...locate(doc, p.path, p.atKey === true, position),
  });

  const parsed = VaultpilotConfigSchema.safeParse(data);
  const sourceOf = (path: DocPath): string | undefined => {
    const node = doc.getIn(path, true);
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  };
  const schemaProblems = parsed.success
    ? []
    : parsed.error.issues.flatMap((issue) => explainIssue(issue, data, sourceOf));
  const consistency = checkConfigConsistency(data);
  // A value the schema already rejects needs no second, cross-field complaint.
  const rejected = new Set(schemaProblems.map((p) => formatPath(p.path)));
  const crossField = consistency.errors.filter((p) => !rejected.has(formatPath(p.path)));
  const problems = dedupe([...schemaProblems, ...crossField]).map(place);
  warnings.push(...consistency.warnings.map(place));
  const byPosition = (a: ConfigProblem, b: ConfigProblem) =>
    (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || a.path.localeCompare(b.path);
  problems.sort(byPosition);
  warnings.sort(byPosition);

  if (problems.length > 0 || !parsed.success) return { ok: false, problems, warnings, source: sourceName };
  return { ok: true, config: parsed.data, warnings, source: sourceName };
}

/** Parses configuration text and returns the configuration, or throws InvalidConfigError listing every problem. */
export function requireConfig(yamlText: string, sourceName = 'vaultpilot.config.yaml'): VaultpilotConfig {
  const result = parseConfig(yamlText, sourceName);
  if (!result.ok) throw new InvalidConfigError(sourceName, result.problems);
  return result.config;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function yamlErrorHint(code: string): string | undefined {
  switch (code) {
    case 'MULTIPLE_DOCS':
      return 'remove the `---` separator and merge the settings into one document';
    case 'DUPLICATE_KEY':
      return 'each key may appear once per section; merge the two entries';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: nested settings are indented by two spaces, lists by `- `';
    case 'TAB_AS_INDENT':
      return 'YAML does not allow tabs for indentation; use spaces';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a `key: value` line is probably missing its colon or is indented wrongly';
    default:
      return undefined;
  }
}

function dedupe(problems: UnplacedProblem[]): UnplacedProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${formatPath(p.path)}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Finds the line and column of a path, falling back to the nearest ancestor that exists in the file. */
function locate(
  doc: Document,
  path: DocPath,
  atKey: boolean,
  position: (offset: number) => { line: number; column: number },
): { line?: number; column?: number } {
  if (atKey && path.length > 0) {
    const parent = doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
      const key = pair?.key as Node | undefined;
      if (key?.range) return position(key.range[0]);
    }
  }
  for (let length = path.length; length >= 0; length--) {
    const node = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true);
    const range = (node as Node | null | undefined)?.range;
    if (range) {
      if (length < path.length && isMap(node)) {
        // A missing key: point at the map that should hold it, at its first key.
        const first = node.items[0]?.key as Node | undefined;
        if (first?.range) return position(first.range[0]);
      }
      return position(range[0]);
    }
  }
  return {};
}

function valueAt(data: unknown, path: DocPath): unknown {
  let current = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `${typeof value === 'number' ? 'the number' : typeof value} ${String(value)}`;
}

const EXPECTED_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map of settings',
};

type Issue = z.core.$ZodIssue;

/** Turns one zod issue into problems with readable messages and hints. */
function explainIssue(issue: Issue, data: unknown, sourceOf: (path: DocPath) => string | undefined): UnplacedProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown setting \`${key}\``,
        hint: unknownKeyHint(key, allowedKeysAt(path, data)),
        atKey: true,
      }));
    case 'invalid_type': {
      const expected = EXPECTED_WORDS[issue.expected] ?? issue.expected;
      if (value === undefined) {
        return [{ path, message: 'is required', hint: `add \`${String(path[path.length - 1])}:\` here` }];
      }
      const hint = typeHint(issue.expected, value, sourceOf(path));
      return [{ path, message: `must be ${expected}, not ${describeValue(value)}`, ...(hint ? { hint } : {}) }];
    }
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      if (allowed.length === 1) {
        return [{ path, message: `must be ${JSON.stringify(issue.values[0])}, not ${describeValue(value)}` }];
      }
      const text = String(value);
      if ((DEPRECATED_VAULT_NOTIFICATION_EVENTS as readonly string[]).includes(text)) {
        return [
          {
            path,
            message: `${text} is deprecated: AWS accepts it but never sends it`,
            hint: 'failures arrive as BACKUP_JOB_COMPLETED, COPY_JOB_FAILED or RESTORE_JOB_COMPLETED with a failed State',
          },
        ];
      }
      const reason = issue.message.startsWith('Invalid') ? 'is not allowed here' : issue.message;
      return [{ path, message: `${describeValue(value)} ${reason}`, hint: enumHint(text, allowed) }];
    }
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator) {
        const options = (issue as { options?: unknown[] }).options?.map(String) ?? [];
        return [
          {
            path,
            message:
              value === undefined ? 'is required' : `${describeValue(value)} is not a known ${issue.discriminator}`,
            hint: enumHint(String(value ?? ''), options),
          },
        ];
      }
      // Report the errors of the branch that got furthest (fewest issues), not every branch.
      const branches = issue.errors.filter((b) => b.length > 0).sort((a, b) => a.length - b.length);
      const best = branches[0];
      if (!best) return [{ path, message: issue.message }];
      return best.flatMap((inner) =>
        explainIssue({ ...inner, path: [...path, ...inner.path] } as Issue, data, sourceOf),
      );
    }
    case 'invalid_format': {
      const text = typeof value === 'string' ? value : '';
      if (/^https?:\/\//i.test(text)) {
        return [
          {
            path,
            message: 'must name a Secrets Manager secret; a webhook URL must never be written in this file',
            hint: "store the URL as the secret's value, e.g. `aws secretsmanager create-secret --name vaultpilot/slack --secret-string '<url>'`, and put the secret name or ARN here",
          },
        ];
      }
      return [{ path, message: `${describeValue(value)} ${issue.message}`, ...formatHint(issue, path) }];
    }
    case 'too_small':
    case 'too_big': {
      const bound = 'minimum' in issue ? issue.minimum : (issue as { maximum: number | bigint }).maximum;
      if (issue.origin === 'array') {
        const custom = !issue.message.startsWith('Too ');
        return [
          {
            path,
            message: custom
              ? issue.message
              : `must list ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} item(s)`,
          },
        ];
      }
      if (issue.origin === 'number') {
        return [
          {
            path,
            message: `must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)}, not ${String(value)}`,
          },
        ];
      }
      return [{ path, message: `${issue.code === 'too_small' ? 'is too short' : 'is too long'} (${issue.message})` }];
    }
    case 'not_multiple_of':
      return [
        { path, message: issue.message, hint: `for example ${nearestMultiple(Number(value), Number(issue.divisor))}` },
      ];
    case 'custom': {
      const hint = typeof value === 'string' && path[path.length - 1] === 'timeZone' ? timeZoneHint(value) : undefined;
      return [{ path, message: `${describeValue(value)} ${issue.message}`, ...(hint ? { hint } : {}) }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}

function typeHint(expected: string, value: unknown, source: string | undefined): string | undefined {
  if (expected === 'string' && typeof value === 'number') {
    return `put it in quotes, '${source ?? String(value)}': YAML reads bare digits as a number and drops leading zeros`;
  }
  if (expected === 'boolean' && typeof value === 'string' && /^(yes|no|on|off|y|n)$/i.test(value)) {
    return 'write true or false';
  }
  if (expected === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
    return `write ${value.trim().toLowerCase()} without quotes: in quotes it is text, and text is never taken for a yes or a no`;
  }
  if (expected === 'array' && typeof value === 'string') return `write it as a list: [${value}]`;
  return undefined;
}

function nearestMultiple(value: number, divisor: number): number {
  return Number.isFinite(value) ? Math.max(divisor, Math.round(value / divisor) * divisor) : divisor;
}

function formatHint(issue: Issue, path: DocPath): { hint?: string } {
  const field = path.filter((p) => typeof p === 'string').at(-1);
  const examples: Record<string, string> = {
    id: 'for example o-a1b2c3d4e5 (Organizations console → Settings → Organization ID)',
    managementAccount: "for example '111122223333'",
    account: "for example '111122223333'",
    accounts: "for example '111122223333'",
    organizationalUnits: 'for example ou-ab12-cd34ef56, or r-ab12 for the whole organization',
    secret:
      'for example vaultpilot/slack-webhook or arn:aws:secretsmanager:eu-west-1:111122223333:secret:vaultpilot/slack-webhook-AbCdEf',
    addresses: 'for example backup-team@example.com',
    time: "for example '07:30'",
    name: 'for example backup-alerts',
    channels: 'channel names are lower-case, e.g. ops-email',
    defaultChannel: 'channel names are lower-case, e.g. ops-email',
  };
  // A vault's name is not a channel's: `vaults[…].name` gets an example of its own.
  const inVaults = path.some((p) => p === 'vaults' || p === 'watchedVaults');
  const hint = field === 'name' && inVaults ? 'for example prod-daily' : field ? examples[field] : undefined;
  void issue;
  return hint ? { hint } : {};
}

function enumHint(value: string, allowed: readonly string[]): string {
  const suggestion = suggestName(value, allowed);
  if (suggestion) return `did you mean \`${suggestion}\`?`;
  if (allowed.length <= 12) return `one of: ${allowed.join(', ')}`;
  return `one of ${allowed.length} values, for example ${allowed.slice(0, 4).join(', ')} (see docs/configuration.md)`;
}

function timeZoneHint(value: string): string {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const suggestion = suggestName(value, [...zones, 'UTC']);
  return suggestion
    ? `did you mean \`${suggestion}\`?`
    : 'use an IANA name such as UTC, Europe/Berlin or America/New_York';
}

function unknownKeyHint(key: string, allowed: readonly string[]): string {
  if (/url|webhook|hook/i.test(key) && allowed.includes('secret')) {
    return 'webhook URLs live in Secrets Manager: put the secret name or ARN in `secret`';
  }
  const suggestion = suggestName(key, allowed);
  if (suggestion) return `did you mean \`${suggestion}\`?`;
  return allowed.length > 0 ? `allowed here: ${allowed.join(', ')}` : 'remove it';
}

/** The keys the schema allows at a path, found by walking the zod schema alongside the data. */
export function allowedKeysAt(path: DocPath, data: unknown): string[] {
  let schemas: z.core.$ZodType[] = [VaultpilotConfigSchema as unknown as z.core.$ZodType];
  for (let i = 0; i <= path.length; i++) {
    schemas = schemas.flatMap((s) => unwrap(s, valueAt(data, path.slice(0, i))));
    if (i === path.length) break;
    const part = path[i]!;
    schemas = schemas.flatMap((s) => {
      const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
      if (def.type === 'object' && typeof part === 'string') {
        const child = (def.shape as Record<string, z.core.$ZodType>)[part];
        return child ? [child] : [];
      }
      if (def.type === 'array' && typeof part === 'number') return [def.element as z.core.$ZodType];
      if (def.type === 'record') return [def.valueType as z.core.$ZodType];
      return [];
    });
  }
  const keys = new Set<string>();
  for (const s of schemas) {
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'object') for (const k of Object.keys(def.shape as object)) keys.add(k);
    if (def.type === 'record') {
      const keyDef = (def.keyType as z.core.$ZodType)._zod.def as unknown as { type: string; entries?: object };
      if (keyDef.type === 'enum' && keyDef.entries) for (const k of Object.keys(keyDef.entries)) keys.add(k);
    }
  }
  return [...keys];
}

/** Looks through optional/default wrappers and picks the union branches that fit the data. */
function unwrap(schema: z.core.$ZodType, value: unknown): z.core.$ZodType[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
      return unwrap(def.innerType as z.core.$ZodType, value);
    case 'pipe':
      return unwrap(def.in as z.core.$ZodType, value);
    case 'union': {
      const options = (def.options as z.core.$ZodType[]).flatMap((o) => unwrap(o, value));
      const discriminator = def.discriminator as string | undefined;
      if (discriminator && value && typeof value === 'object') {
        const tag = (value as Record<string, unknown>)[discriminator];
        const matching = options.filter((o) => {
          const shape = (o._zod.def as unknown as { shape?: Record<string, z.core.$ZodType> }).shape;
          const literal = shape?.[discriminator]?._zod.def as unknown as { values?: unknown[] } | undefined;
          return literal?.values?.includes(tag);
        });
        if (matching.length > 0) return matching;
      }
      return options;
    }
    default:
      return [schema];
  }
}
