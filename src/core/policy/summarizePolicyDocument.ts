/**
 * Turns a parsed Organizations policy document into facts people can read: for a backup policy, per
 * plan, its Regions, rules (schedule, windows, lifecycle, target vault, copy actions, …), selections,
 * advanced settings, tags and the child-policy controls, with the inheritance operators in words.
 * Other policy types, and keys this module does not know, become `path: value` facts. Never JSON text.
 *
 * The walk is linear in the size of the document and stops descending below MAX_DEPTH, so a hostile
 * document (65,536 characters of nesting) costs no more than a plain one and never overflows the stack.
 */

/** A named part of a document that holds settings: a plan, a rule, a copy action, a selection. */
export interface PolicyScope {
  /** Identity, made of the raw keys: stable between two versions of a document. */
  readonly id: string;
  /** For people: `plan PII_Backup_Plan`, `rule Hourly`, `copy to secondary_vault`. */
  readonly label: string;
  /** What it is: `plan`, `rule`, `copy action`, `tag selection`, … */
  readonly kind: string;
}

/** One readable statement about a document, e.g. `delete after` `270 days` in plan X, rule Hourly. */
export interface PolicyFact {
  /** Identity within the document (scope and setting), to pair the facts of two versions. */
  readonly id: string;
  /** The scopes it sits in, outermost first. */
  readonly scope: readonly PolicyScope[];
  /** Set on the fact that opens a scope (its heading); such facts have no label or value. */
  readonly opens?: PolicyScope;
  /** What is said, e.g. `delete after`, `adds Regions`, `target vault`, `child policies`. */
  readonly label: string;
  /** The value in words, e.g. `270 days`, `us-east-1, eu-north-1`. */
  readonly value: string;
  /** For list values: the items, so a diff can say which were added and removed. */
  readonly items?: readonly string[];
}

/** Nesting below this is summarized in one fact instead of walked. */
const MAX_DEPTH = 12;
/** Longest key shown in a label (keys are the names people gave plans, rules, …). */
const MAX_KEY_LENGTH = 64;
/** Longest value text; lists are cut at an item boundary with `and N more`. */
export const MAX_VALUE_LENGTH = 400;
/** Longest key kept in an identity; longer keys are told apart by their length. */
const MAX_ID_KEY_LENGTH = 200;

const ASSIGN = '@@assign';
const APPEND = '@@append';
const REMOVE = '@@remove';
const CHILD_CONTROL = '@@operators_allowed_for_child_policies';
const VALUE_OPERATORS = [ASSIGN, APPEND, REMOVE] as const;
type ValueOperator = (typeof VALUE_OPERATORS)[number];

/**
 * The facts of a policy document, in document order. `policyType` picks the reading: BACKUP_POLICY
 * (or an unknown type with a `plans` object) is read as a backup policy, anything else as key paths.
 */
export function policyFacts(document: unknown, policyType?: string): PolicyFact[] {
  const out = new FactList();
  const isBackup =
    isPlainObject(document) &&
    (policyType === 'BACKUP_POLICY' || (policyType === undefined && isPlainObject(document.plans)));
  if (isBackup) readBackupPolicy(document, out);
  else readGeneric(document, ROOT, '', '', out, 0);
  return out.facts;
}

/**
 * The readable lines of a whole document: each scope a heading (`Plan PII_Backup_Plan`), its facts
 * indented below it (`delete after 270 days`). Bounded by the document size; callers cap the lines.
 */
export function summarizePolicyDocument(document: unknown, policyType?: string): string[] {
  return policyFacts(document, policyType).map(summaryLine);
}

/** One fact as a summary line, indented two spaces per scope level. */
export function summaryLine(fact: PolicyFact): string {
  if (fact.opens) return `${'  '.repeat(fact.scope.length - 1)}${capitalize(fact.opens.label)}`;
  return `${'  '.repeat(fact.scope.length)}${factText(fact)}`;
}

/** `label value`, e.g. `delete after 270 days`. */
export function factText(fact: Pick<PolicyFact, 'label' | 'value'>): string {
  return fact.value === '' ? fact.label : `${fact.label} ${fact.value}`;
}

/** `plan PII_Backup_Plan, rule Hourly` (empty for the document itself). */
export function scopeText(scope: readonly PolicyScope[]): string {
  return scope.map((s) => s.label).join(', ');
}

// ---------------------------------------------------------------------------------------------------
// Backup policies

const ROOT: readonly PolicyScope[] = [];

function readBackupPolicy(document: Record<string, unknown>, out: FactList): void {
  for (const [key, value] of Object.entries(document)) {
    if (key === 'plans' && isPlainObject(value)) {
      const plans = containerOf(value);
      childControl(plans.childControl, ROOT, 'plans', 'the plans', out);
      for (const [name, plan] of plans.entries) readPlan(name, plan, out);
    } else if (key === CHILD_CONTROL) {
      childControl(value, ROOT, '', 'this policy', out);
    } else {
      readGeneric(value, ROOT, idKey(key), displayKey(key), out, 1);
    }
  }
}

function readPlan(name: string, plan: unknown, out: FactList): void {
  const scope = out.open(ROOT, 'plans', name, 'plan');
  if (!isPlainObject(plan)) {
    readGeneric(plan, scope, 'value', 'value', out, 2);
    return;
  }
  const { entries, childControl: control } = containerOf(plan);
  childControl(control, scope, '', 'this plan', out);
  for (const [key, value] of entries) {
    switch (key) {
      case 'regions':
        setting(
          value,
          scope,
          key,
          out,
          (s) => ({
            label: `${verbOf(s.operator, 'sets')} Regions`.trim(),
            ...listValue(s.value),
          }),
          'the Regions',
        );
        break;
      case 'rules':
        eachNamed(value, scope, key, 'the rules', out, (ruleName, rule) => readRule(scope, ruleName, rule, out));
        break;
      case 'selections':
        readSelections(value, scope, out);
        break;
      case 'advanced_backup_settings':
        readAdvancedSettings(value, scope, out);
        break;
      case 'backup_plan_tags':
        readTags(value, scope, key, 'plan tag', 'the plan tags', out);
        break;
      case 'scan_settings':
        eachNamed(value, scope, key, 'the scan settings', out, (scanner, settings) => {
          const inner = out.open(scope, key, scanner, 'scan settings', `scan settings for ${displayKey(scanner)}`);
          readSettings(settings, inner, out, SCAN_SETTINGS_KEYS);
        });
        break;
      default:
        readGeneric(value, scope, idKey(key), displayKey(key), out, 2);
    }
  }
}

type SettingFormat = (s: Setting) => { label: string; value: string; items?: readonly string[] };

/** How a known key reads: its label and value, and the noun child-policy controls refer to. */
interface KnownSetting {
  readonly format: SettingFormat;
  readonly noun: string;
}

const plain =
  (label: string, words: (value: unknown) => string = formatValue): SettingFormat =>
  (s) => ({ label: `${verbOf(s.operator, '')} ${label}`.trim(), value: words(s.value) });

const RULE_KEYS: Readonly<Record<string, KnownSetting>> = {
  start_backup_window_minutes: { format: plain('starts within', minutesInWords), noun: 'the start window' },
  complete_backup_window_minutes: { format: plain('completes within', minutesInWords), noun: 'the completion window' },
  target_backup_vault_name: { format: plain('target vault'), noun: 'the target vault' },
  target_logically_air_gapped_backup_vault_arn: {
    format: plain('logically air-gapped target vault'),
    noun: 'the logically air-gapped target vault',
  },
  enable_continuous_backup: {
    format: plain('continuous backup (point-in-time restore)', (v) => switchInWords(v, 'enabled', 'disabled')),
    noun: 'continuous backup',
  },
};

const LIFECYCLE_KEYS: Readonly<Record<string, KnownSetting>> = {
  move_to_cold_storage_after_days: { format: plain('cold storage after', daysInWords), noun: 'the cold storage age' },
  delete_after_days: { format: plain('delete after', daysInWords), noun: 'the deletion age' },
  opt_in_to_archive_for_supported_resources: {
    format: plain('archive tier for supported resources', (v) => switchInWords(v, 'opted in', 'not opted in')),
    noun: 'the archive tier opt-in',
  },
};

const SCAN_SETTINGS_KEYS: Readonly<Record<string, KnownSetting>> = {
  scanner_role_arn: { format: plain('scanner IAM role'), noun: 'the scanner role' },
  resource_types: { format: listSetting('resource types'), noun: 'the scanned resource types' },
};

const SCAN_ACTION_KEYS: Readonly<Record<string, KnownSetting>> = {
  scan_mode: { format: plain('scan mode', scanModeInWords), noun: 'the scan mode' },
};

const INDEX_ACTION_KEYS: Readonly<Record<string, KnownSetting>> = {
  resource_types: { format: listSetting('search index for'), noun: 'the indexed resource types' },
};

function listSetting(label: string): SettingFormat {
  return (s) => ({ label: `${verbOf(s.operator, '')} ${label}`.trim(), ...listValue(s.value) });
}

function readRule(planScope: readonly PolicyScope[], name: string, rule: unknown, out: FactList): void {
  const scope = out.open(planScope, 'rules', name, 'rule');
  if (!isPlainObject(rule)) {
    readGeneric(rule, scope, 'value', 'value', out, 3);
    return;
  }
  const { entries, childControl: control } = containerOf(rule);
  childControl(control, scope, '', 'this rule', out);
  const timezone = entries.find(([key]) => key === 'schedule_expression_timezone')?.[1];
  const hasSchedule = entries.some(([key]) => key === 'schedule_expression');
  for (const [key, value] of entries) {
    const known = RULE_KEYS[key];
    if (known) {
      setting(value, scope, key, out, known.format, known.noun);
      continue;
    }
    switch (key) {
      case 'schedule_expression': {
        const zone = timezone === undefined ? undefined : readSetting(timezone);
        setting(value, scope, key, out, (s) => ({
          label: `${verbOf(s.operator, '')} schedule`.trim(),
          value: scheduleInWords(s.value, zone?.value),
        }));
        if (zone) childControl(zone.childControl, scope, 'schedule_expression_timezone', 'the time zone', out);
        break;
      }
      case 'schedule_expression_timezone':
        // Said with the schedule; alone (a child policy that only moves the time zone) it is a fact of its own.
        if (!hasSchedule) setting(value, scope, key, out, plain('schedule time zone'), 'the time zone');
        break;
      case 'lifecycle':
        readLifecycle(value, scope, key, out);
        break;
      case 'copy_actions':
        eachNamed(value, scope, key, 'the copy actions', out, (target, action) =>
          readCopyAction(scope, target, action, out),
        );
        break;
      case 'recovery_point_tags':
        readTags(value, scope, key, 'recovery point tag', 'the recovery point tags', out);
        break;
      case 'index_actions':
        readSettings(value, scope, out, INDEX_ACTION_KEYS, key, 'the index actions');
        break;
      case 'scan_actions':
        eachNamed(value, scope, key, 'the scan actions', out, (scanner, action) => {
          const inner = out.open(scope, key, scanner, 'malware scan', `malware scan by ${displayKey(scanner)}`);
          readSettings(action, inner, out, SCAN_ACTION_KEYS);
        });
        break;
      default:
        readGeneric(value, scope, idKey(key), displayKey(key), out, 3);
    }
  }
}

function readLifecycle(value: unknown, scope: readonly PolicyScope[], key: string, out: FactList): void {
  readSettings(value, scope, out, LIFECYCLE_KEYS, key, 'the lifecycle');
}

function readCopyAction(ruleScope: readonly PolicyScope[], target: string, action: unknown, out: FactList): void {
  const scope = out.open(ruleScope, 'copy_actions', target, 'copy action', `copy to ${vaultName(target)}`);
  if (!isPlainObject(action)) {
    readGeneric(action, scope, 'value', 'value', out, 4);
    return;
  }
  const { entries, childControl: control } = containerOf(action);
  childControl(control, scope, '', 'this copy action', out);
  for (const [key, value] of entries) {
    if (key === 'target_backup_vault_arn') setting(value, scope, key, out, plain('target vault'), 'the target vault');
    else if (key === 'lifecycle') readLifecycle(value, scope, key, out);
    else readGeneric(value, scope, idKey(key), displayKey(key), out, 4);
  }
}

function readSelections(value: unknown, planScope: readonly PolicyScope[], out: FactList): void {
  if (!isPlainObject(value)) {
    readGeneric(value, planScope, 'selections', 'selections', out, 2);
    return;
  }
  const { entries, childControl: control } = containerOf(value);
  childControl(control, planScope, 'selections', 'the selections', out);
  for (const [kind, selections] of entries) {
    if (kind === 'tags') {
      eachNamed(selections, planScope, 'selections.tags', 'the tag selections', out, (name, selection) =>
        readTagSelection(planScope, name, selection, out),
      );
    } else if (kind === 'resources') {
      eachNamed(selections, planScope, 'selections.resources', 'the resource selections', out, (name, selection) =>
        readResourceSelection(planScope, name, selection, out),
      );
    } else {
      readGeneric(selections, planScope, `selections.${idKey(kind)}`, `selections.${displayKey(kind)}`, out, 3);
    }
  }
}

function readTagSelection(planScope: readonly PolicyScope[], name: string, selection: unknown, out: FactList): void {
  const scope = out.open(planScope, 'selections.tags', name, 'tag selection');
  if (!isPlainObject(selection)) {
    readGeneric(selection, scope, 'value', 'value', out, 4);
    return;
  }
  const { entries, childControl: control } = containerOf(selection);
  childControl(control, scope, '', 'this selection', out);
  readTagPair(entries, scope, 'tag', 'tag', out);
  for (const [key, value] of entries) {
    if (key === 'iam_role_arn') setting(value, scope, key, out, plain('IAM role'), 'the IAM role');
    else if (key !== 'tag_key' && key !== 'tag_value') readGeneric(value, scope, idKey(key), displayKey(key), out, 4);
  }
}

const CONDITION_WORDS: Readonly<Record<string, string>> = {
  string_equals: 'equals',
  string_not_equals: 'does not equal',
  string_like: 'matches',
  string_not_like: 'does not match',
};

function readResourceSelection(
  planScope: readonly PolicyScope[],
  name: string,
  selection: unknown,
  out: FactList,
): void {
  const scope = out.open(planScope, 'selections.resources', name, 'resource selection');
  if (!isPlainObject(selection)) {
    readGeneric(selection, scope, 'value', 'value', out, 4);
    return;
  }
  const { entries, childControl: control } = containerOf(selection);
  childControl(control, scope, '', 'this selection', out);
  for (const [key, value] of entries) {
    switch (key) {
      case 'iam_role_arn':
        setting(value, scope, key, out, plain('IAM role'), 'the IAM role');
        break;
      case 'resource_types':
        setting(value, scope, key, out, listSetting('resources'), 'the resources');
        break;
      case 'not_resource_types':
        setting(value, scope, key, out, listSetting('except resources'), 'the excluded resources');
        break;
      case 'conditions':
        eachNamed(value, scope, key, 'the conditions', out, (operator, conditions) => {
          const words = own(CONDITION_WORDS, operator);
          if (!words) {
            readGeneric(
              conditions,
              scope,
              `conditions.${idKey(operator)}`,
              `conditions.${displayKey(operator)}`,
              out,
              5,
            );
            return;
          }
          eachNamed(conditions, scope, `conditions.${operator}`, 'the conditions', out, (conditionName, condition) =>
            readCondition(scope, operator, words, conditionName, condition, out),
          );
        });
        break;
      default:
        readGeneric(value, scope, idKey(key), displayKey(key), out, 4);
    }
  }
}

function readCondition(
  scope: readonly PolicyScope[],
  operator: string,
  words: string,
  name: string,
  condition: unknown,
  out: FactList,
): void {
  const id = `conditions.${operator}.${idKey(name)}`;
  if (!isPlainObject(condition)) {
    readGeneric(condition, scope, id, `condition ${displayKey(name)}`, out, 6);
    return;
  }
  const { entries, childControl: control } = containerOf(condition);
  childControl(control, scope, id, `the condition ${displayKey(name)}`, out);
  const key = entries.find(([k]) => k === 'condition_key')?.[1];
  const value = entries.find(([k]) => k === 'condition_value')?.[1];
  const keySetting = key === undefined ? undefined : readSetting(key);
  const valueSetting = value === undefined ? undefined : readSetting(value);
  const list = valueSetting ? listValue(valueSetting.value) : undefined;
  out.add(scope, id, {
    label: 'condition',
    value: `${keySetting ? formatValue(keySetting.value) : '(no key)'} ${words} ${list ? `${verbOf(valueSetting?.operator, '')} ${list.value}`.trim() : '(no value)'}`,
  });
  childControl(keySetting?.childControl, scope, `${id}.condition_key`, 'the condition key', out);
  childControl(valueSetting?.childControl, scope, `${id}.condition_value`, 'the condition value', out);
  for (const [k, v] of entries) {
    if (k !== 'condition_key' && k !== 'condition_value')
      readGeneric(v, scope, `${id}.${idKey(k)}`, `condition ${displayKey(name)}.${displayKey(k)}`, out, 6);
  }
}

/** Tags written as `name: { tag_key, tag_value }` (plan tags, recovery point tags). */
function readTags(
  value: unknown,
  scope: readonly PolicyScope[],
  key: string,
  label: string,
  noun: string,
  out: FactList,
): void {
  eachNamed(value, scope, key, noun, out, (name, tag) => {
    if (!isPlainObject(tag)) {
      readGeneric(tag, scope, `${key}.${idKey(name)}`, `${label} ${displayKey(name)}`, out, 3);
      return;
    }
    const { entries, childControl: control } = containerOf(tag);
    childControl(control, scope, `${key}.${idKey(name)}`, `the ${label} ${displayKey(name)}`, out);
    readTagPair(entries, scope, `${key}.${idKey(name)}`, label, out);
    for (const [k, v] of entries) {
      if (k !== 'tag_key' && k !== 'tag_value')
        readGeneric(
          v,
          scope,
          `${key}.${idKey(name)}.${idKey(k)}`,
          `${label} ${displayKey(name)}.${displayKey(k)}`,
          out,
          4,
        );
    }
  });
}

/** `tag dataType = PII, RED` from `tag_key` and `tag_value`. */
function readTagPair(
  entries: readonly (readonly [string, unknown])[],
  scope: readonly PolicyScope[],
  id: string,
  label: string,
  out: FactList,
): void {
  const key = entries.find(([k]) => k === 'tag_key')?.[1];
  const value = entries.find(([k]) => k === 'tag_value')?.[1];
  if (key === undefined && value === undefined) return;
  const keySetting = key === undefined ? undefined : readSetting(key);
  const valueSetting = value === undefined ? undefined : readSetting(value);
  const list = valueSetting ? listValue(valueSetting.value) : undefined;
  const values = list ? `${verbOf(valueSetting?.operator, '')} ${list.value}`.trim() : '(any value)';
  out.add(scope, id, {
    label,
    value: `${keySetting ? formatValue(keySetting.value) : '(no key)'} = ${values}`,
    ...(list ? { items: list.items } : {}),
  });
  childControl(keySetting?.childControl, scope, `${id}.tag_key`, `the ${label} key`, out);
  childControl(valueSetting?.childControl, scope, `${id}.tag_value`, `the ${label} values`, out);
}

const ADVANCED_OPTION_WORDS: Readonly<Record<string, string>> = { windows_vss: 'Windows VSS backups' };

function readAdvancedSettings(value: unknown, scope: readonly PolicyScope[], out: FactList): void {
  eachNamed(value, scope, 'advanced_backup_settings', 'the advanced settings', out, (resourceType, options) => {
    const id = `advanced_backup_settings.${idKey(resourceType)}`;
    const type = displayKey(resourceType);
    const shownType = /^[a-z0-9]+$/.test(type) ? type.toUpperCase() : type;
    eachNamed(options, scope, id, `the ${shownType} advanced settings`, out, (option, optionValue) => {
      const words = own(ADVANCED_OPTION_WORDS, option) ?? displayKey(option);
      setting(
        optionValue,
        scope,
        `${id}.${idKey(option)}`,
        out,
        plain(`${words} (${shownType})`),
        `${words} (${shownType})`,
      );
    });
  });
}

/** The settings of a container whose keys are known (lifecycle, index actions, …); others generically. */
function readSettings(
  value: unknown,
  scope: readonly PolicyScope[],
  out: FactList,
  known: Readonly<Record<string, KnownSetting>>,
  idPrefix = '',
  noun = 'these settings',
): void {
  const prefix = idPrefix === '' ? '' : `${idPrefix}.`;
  if (!isPlainObject(value)) {
    readGeneric(value, scope, idPrefix || 'value', idPrefix || 'value', out, 4);
    return;
  }
  const { entries, childControl: control } = containerOf(value);
  childControl(control, scope, idPrefix, noun, out);
  for (const [key, inner] of entries) {
    const setting_ = own(known, key);
    if (setting_) setting(inner, scope, `${prefix}${key}`, out, setting_.format, setting_.noun);
    else readGeneric(inner, scope, `${prefix}${idKey(key)}`, `${prefix}${displayKey(key)}`, out, 5);
  }
}

/** Calls `each` for every named entry of a container (rules, copy actions, selections, …). */
function eachNamed(
  value: unknown,
  scope: readonly PolicyScope[],
  id: string,
  noun: string,
  out: FactList,
  each: (name: string, entry: unknown) => void,
): void {
  if (!isPlainObject(value)) {
    readGeneric(value, scope, id, id, out, 4);
    return;
  }
  const { entries, childControl: control, operator } = containerOf(value);
  if (operator && operator !== ASSIGN)
    out.add(scope, `${id}#operator`, { label: noun, value: `(${verbOf(operator, '')})` });
  childControl(control, scope, id, noun, out);
  for (const [name, entry] of entries) each(name, entry);
}

// ---------------------------------------------------------------------------------------------------
// Settings and inheritance operators

interface Setting {
  /** The value-setting operator, when the value was wrapped in one. */
  readonly operator?: ValueOperator;
  readonly value: unknown;
  readonly childControl?: unknown;
  /** Keys next to the operators that are neither (shown generically). */
  readonly extra: readonly (readonly [string, unknown])[];
}

/** Reads `{"@@assign": v, "@@operators_allowed_for_child_policies": [...]}` (or a bare value). */
function readSetting(node: unknown): Setting {
  if (!isPlainObject(node)) return { value: node, extra: [] };
  const operator = VALUE_OPERATORS.find((op) => Object.hasOwn(node, op));
  const hasControl = Object.hasOwn(node, CHILD_CONTROL);
  if (!operator && !hasControl) return { value: node, extra: [] };
  const extra = Object.entries(node).filter(
    ([key]) => key !== CHILD_CONTROL && !(VALUE_OPERATORS as readonly string[]).includes(key),
  );
  return {
    ...(operator ? { operator } : {}),
    value: operator ? node[operator] : undefined,
    ...(hasControl ? { childControl: node[CHILD_CONTROL] } : {}),
    extra,
  };
}

/** A container (plans, rules, a rule, …), also when written as `{"@@assign": {...}}`. */
function containerOf(node: Record<string, unknown>): {
  entries: (readonly [string, unknown])[];
  childControl?: unknown;
  operator?: ValueOperator;
} {
  const entries: (readonly [string, unknown])[] = [];
  let operator: ValueOperator | undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key === CHILD_CONTROL) continue;
    if ((VALUE_OPERATORS as readonly string[]).includes(key) && isPlainObject(value)) {
      operator ??= key as ValueOperator;
      entries.push(...Object.entries(value));
    } else {
      entries.push([key, value]);
    }
  }
  return {
    entries,
    ...(Object.hasOwn(node, CHILD_CONTROL) ? { childControl: node[CHILD_CONTROL] } : {}),
    ...(operator ? { operator } : {}),
  };
}

/** Adds the fact of one setting, its child-policy control, and any stray keys next to it. */
function setting(
  node: unknown,
  scope: readonly PolicyScope[],
  id: string,
  out: FactList,
  format: SettingFormat,
  noun?: string,
): void {
  const s = readSetting(node);
  if (isPlainObject(s.value) || (s.operator === undefined && s.childControl === undefined && isPlainObject(node))) {
    // An object where a value was expected: say what it holds, key by key.
    readGeneric(s.value ?? node, scope, id, id, out, 5);
  } else if (s.operator !== undefined || s.childControl === undefined) {
    out.add(scope, id, format(s));
  }
  childControl(s.childControl, scope, id, noun ?? `the ${displayKey(id)}`, out);
  for (const [key, value] of s.extra)
    readGeneric(value, scope, `${id}.${idKey(key)}`, `${id}.${displayKey(key)}`, out, 5);
}

const OPERATOR_VERBS: Readonly<Record<ValueOperator, string>> = {
  [ASSIGN]: 'sets',
  [APPEND]: 'adds',
  [REMOVE]: 'removes',
};

/** `adds` for @@append, `removes` for @@remove; for @@assign (how every value is written) `assigned`. */
function verbOf(operator: ValueOperator | undefined, assigned: string): string {
  if (operator === undefined || operator === ASSIGN) return assigned;
  return OPERATOR_VERBS[operator];
}

const CHILD_VERBS: Readonly<Record<string, string>> = {
  [ASSIGN]: 'set (@@assign)',
  [APPEND]: 'add to (@@append)',
  [REMOVE]: 'remove from (@@remove)',
};

/** `child policies may not change the Regions` (@@none), `may only add to (@@append) …`, `may change … freely` (@@all). */
function childControl(control: unknown, scope: readonly PolicyScope[], id: string, noun: string, out: FactList): void {
  if (control === undefined) return;
  const allowed = (Array.isArray(control) ? control : [control]).map((op) =>
    typeof op === 'string' ? op : formatValue(op),
  );
  let value: string;
  if (allowed.length === 0 || allowed.includes('@@none')) value = `may not change ${noun}`;
  else if (allowed.includes('@@all')) value = `may change ${noun} freely`;
  else {
    const verbs = allowed.map((op) => own(CHILD_VERBS, op) ?? cleanText(op, MAX_KEY_LENGTH));
    value = `may only ${joinWords(verbs, 'or')} ${noun}`;
  }
  out.add(scope, `${id}#children`, { label: 'child policies', value });
}

// ---------------------------------------------------------------------------------------------------
// Generic reading: `path: value` facts

/** Key paths and values, for keys this module does not know and for other policy types. */
function readGeneric(
  value: unknown,
  scope: readonly PolicyScope[],
  id: string,
  path: string,
  out: FactList,
  depth: number,
): void {
  const s = readSetting(value);
  const shown = s.operator !== undefined || s.childControl !== undefined ? s.value : value;
  if (s.childControl !== undefined) childControl(s.childControl, scope, id, path === '' ? 'this' : path, out);
  for (const [key, extra] of s.extra) {
    readGeneric(extra, scope, joinId(id, idKey(key)), joinPath(path, displayKey(key)), out, depth + 1);
  }
  if (s.operator === undefined && s.childControl !== undefined) return;
  const verb = verbOf(s.operator, '');
  if (depth >= MAX_DEPTH && (isPlainObject(shown) || Array.isArray(shown))) {
    out.add(scope, id, {
      label: labelOf(path),
      value: `${verb} (nested deeper than ${MAX_DEPTH} levels, not shown)`.trim(),
    });
    return;
  }
  if (isPlainObject(shown)) {
    const entries = Object.entries(shown);
    if (entries.length === 0) {
      // An empty document says nothing; an empty setting inside one is worth a line.
      if (path !== '') out.add(scope, id, { label: labelOf(path), value: `${verb} (empty)`.trim() });
      return;
    }
    for (const [key, inner] of entries) {
      readGeneric(inner, scope, joinId(id, idKey(key)), joinPath(path, displayKey(key)), out, depth + 1);
    }
    return;
  }
  if (Array.isArray(shown) && shown.some((item) => isPlainObject(item) || Array.isArray(item))) {
    // A list of objects (an SCP's statements): item by item, numbered from 1.
    shown.forEach((item, i) => {
      readGeneric(item, scope, joinId(id, `#${i + 1}`), `${path} #${i + 1}`, out, depth + 1);
    });
    return;
  }
  const list = Array.isArray(shown) ? listValue(shown) : undefined;
  out.add(scope, id, {
    label: labelOf(path),
    value: `${verb} ${list ? list.value : formatValue(shown)}`.trim(),
    ...(list ? { items: list.items } : {}),
  });
}

function labelOf(path: string): string {
  return path === '' ? '(document):' : `${path}:`;
}

function joinId(id: string, key: string): string {
  return id === '' ? key : `${id}.${key}`;
}

function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

// ---------------------------------------------------------------------------------------------------
// Values in words

/** A scalar in words; lists comma-separated; objects inside lists by their keys. Never JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '(empty)' : cleanText(value, MAX_VALUE_LENGTH);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return '(none)';
  if (value === undefined) return '(not set)';
  if (Array.isArray(value)) return listValue(value).value;
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? '(empty)' : `(settings ${listValue(keys.map(displayKey)).value})`;
  }
  return '(unreadable value)';
}

/** `a, b, c` cut at an item boundary with `and N more`; a single value stands for itself. */
function listValue(value: unknown): { value: string; items: string[] } {
  const all = Array.isArray(value) ? value : [value];
  const items: string[] = [];
  let length = 0;
  for (const item of all) {
    const text = isPlainObject(item) || Array.isArray(item) ? '(a nested list or object)' : formatValue(item);
    if (items.length > 0 && length + text.length + 2 > MAX_VALUE_LENGTH) break;
    items.push(text);
    length += text.length + 2;
  }
  if (all.length === 0) return { value: '(none)', items: [] };
  const more = all.length - items.length;
  return { value: `${items.join(', ')}${more > 0 ? `, and ${more} more` : ''}`, items };
}

function daysInWords(value: unknown): string {
  const n = wholeNumber(value);
  if (n === undefined) return formatValue(value);
  return n === 1 ? '1 day' : `${n} days`;
}

function minutesInWords(value: unknown): string {
  const n = wholeNumber(value);
  if (n === undefined) return formatValue(value);
  const unit = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  if (n >= 1440 && n % 1440 === 0) return unit(n / 1440, 'day');
  if (n < 60) return unit(n, 'minute');
  const hours = Math.floor(n / 60);
  const minutes = n % 60;
  return minutes === 0 ? unit(hours, 'hour') : `${unit(hours, 'hour')} ${unit(minutes, 'minute')}`;
}

function switchInWords(value: unknown, on: string, off: string): string {
  if (value === true || value === 'true') return on;
  if (value === false || value === 'false') return off;
  return formatValue(value);
}

function scanModeInWords(value: unknown): string {
  if (value === 'FULL_SCAN') return 'full scan';
  if (value === 'INCREMENTAL_SCAN') return 'incremental scan';
  return formatValue(value);
}

function wholeNumber(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text)) return undefined;
  return Number(text);
}

/** `cron(0 5 ? * * *): every day at 05:00 UTC`; the expression is always shown as written. */
export function scheduleInWords(expression: unknown, timezone: unknown): string {
  const zone = typeof timezone === 'string' && timezone.trim() !== '' ? cleanText(timezone, MAX_KEY_LENGTH) : 'UTC';
  if (typeof expression !== 'string') return `${formatValue(expression)} (time zone ${zone})`;
  const shown = cleanText(expression, MAX_VALUE_LENGTH);
  const words = cronInWords(expression);
  if (!words) return `${shown} (time zone ${zone})`;
  // `every day at 02:00 UTC` reads; `every hour from 05:00, every day UTC` does not.
  return /\d\d:\d\d$/.test(words) ? `${shown}: ${words} ${zone}` : `${shown}: ${words} (time zone ${zone})`;
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAY_ABBREVIATIONS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function dayName(field: string): string | undefined {
  const upper = field.toUpperCase();
  const byName = DAY_ABBREVIATIONS.indexOf(upper);
  if (byName >= 0) return DAY_NAMES[byName];
  // AWS cron numbers the days of the week 1 (Sunday) to 7 (Saturday).
  return /^[1-7]$/.test(field) ? DAY_NAMES[Number(field) - 1] : undefined;
}

/** Words for the simple AWS cron expressions backup plans use; undefined for anything else. */
function cronInWords(expression: string): string | undefined {
  const match = /^cron\(\s*([^()]{1,200})\s*\)$/.exec(expression.trim());
  if (!match?.[1]) return undefined;
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minute = '', hour = '', dayOfMonth = '', month = '', dayOfWeek = '', year = ''] = fields;
  if (month !== '*' || year !== '*' || !/^\d{1,2}$/.test(minute) || Number(minute) > 59) return undefined;
  const mm = minute.padStart(2, '0');
  let when: string;
  const fixedHour = /^\d{1,2}$/.test(hour) && Number(hour) <= 23;
  const stepped = /^(\d{1,2})\/(\d{1,2})$/.exec(hour);
  if (fixedHour) when = `at ${hour.padStart(2, '0')}:${mm}`;
  else if (hour === '*') when = `every hour at minute ${Number(minute)}`;
  else if (stepped?.[1] && stepped[2] && Number(stepped[1]) <= 23 && Number(stepped[2]) >= 1) {
    const every = Number(stepped[2]) === 1 ? 'every hour' : `every ${Number(stepped[2])} hours`;
    when = `${every} from ${stepped[1].padStart(2, '0')}:${mm}`;
  } else return undefined;

  const anyDayOfMonth = dayOfMonth === '*' || dayOfMonth === '?';
  const anyDayOfWeek = dayOfWeek === '*' || dayOfWeek === '?';
  if (anyDayOfMonth && anyDayOfWeek) return fixedHour ? `every day ${when}` : `${when}, every day`;
  const on = (days: string) => (fixedHour ? `${days} ${when}` : `${when}, ${days}`);
  if (anyDayOfMonth) {
    const range = /^([A-Za-z]{3}|[1-7])-([A-Za-z]{3}|[1-7])$/.exec(dayOfWeek);
    if (range?.[1] && range[2]) {
      const from = dayName(range[1]);
      const to = dayName(range[2]);
      return from && to ? on(`${from} to ${to}`) : undefined;
    }
    const days = dayOfWeek.split(',').map(dayName);
    if (days.some((d) => d === undefined)) return undefined;
    return on(`every ${joinWords(days as string[], 'and')}`);
  }
  if (anyDayOfWeek) {
    if (dayOfMonth === 'L') return on('on the last day of every month');
    if (/^\d{1,2}$/.test(dayOfMonth) && Number(dayOfMonth) >= 1 && Number(dayOfMonth) <= 31)
      return on(`on day ${Number(dayOfMonth)} of every month`);
  }
  return undefined;
}

function joinWords(words: readonly string[], last: string): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${last} ${words.at(-1)}`;
}

/** The vault name of a copy action key: `secondary_vault` of `arn:…:backup-vault:secondary_vault`. */
function vaultName(key: string): string {
  const match = /:backup-vault:([^:/]+)$/.exec(key);
  return displayKey(match?.[1] ?? key);
}

// ---------------------------------------------------------------------------------------------------
// Text hygiene

/** A key as people read it: control characters made visible, long keys cut. */
function displayKey(key: string): string {
  const cleaned = cleanText(key, MAX_KEY_LENGTH);
  return cleaned === '' ? '(empty key)' : cleaned;
}

/** A key for an identity: long keys are cut and told apart by their length. */
function idKey(key: string): string {
  const safe = key.replace(/[.#\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return safe.length <= MAX_ID_KEY_LENGTH ? safe : `${safe.slice(0, MAX_ID_KEY_LENGTH)}~${key.length}`;
}

/** Control characters become `?` (tabs a space), lone surrogates U+FFFD; cut at `max` with `…`. */
export function cleanText(text: string, max: number): string {
  // Cut first (linear in `max`, not in the text), then clean what is kept.
  let kept = text.length > max ? text.slice(0, max - 1) : text;
  if (/[\ud800-\udbff]$/.test(kept) && text.length > max) kept = kept.slice(0, -1);
  const cleaned = kept
    .replace(/\t/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return text.length > max ? `${cleaned}…` : cleaned;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * `record[key]` for the record's own keys only: a policy may name a key `constructor` or `__proto__`, which a plain
 * lookup would find on Object.prototype.
 */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects facts and opens scopes. */
class FactList {
  readonly facts: PolicyFact[] = [];

  add(scope: readonly PolicyScope[], id: string, fact: Omit<PolicyFact, 'id' | 'scope' | 'opens'>): void {
    this.facts.push({ id: `${scope.at(-1)?.id ?? ''}\u0000${id}`, scope, ...fact });
  }

  /** Opens the scope `name` under `parent` and adds its heading fact. */
  open(parent: readonly PolicyScope[], container: string, name: string, kind: string, label?: string): PolicyScope[] {
    const opened: PolicyScope = {
      id: `${parent.at(-1)?.id ?? ''}\u0001${container}\u0001${idKey(name)}`,
      label: label ?? `${kind} ${displayKey(name)}`,
      kind,
    };
    const scope = [...parent, opened];
    this.facts.push({ id: opened.id, scope, opens: opened, label: '', value: '' });
    return scope;
  }
}
