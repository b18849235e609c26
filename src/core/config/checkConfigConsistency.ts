/**
 * Checks that span several fields of the configuration: names that must refer to something defined
 * elsewhere, Regions that must be among the member Regions, duplicates. They read the raw document
 * (not the schema's output) so they still run, and report, when some other part of the file is invalid.
 */
import { DEFAULT_NETWORK_CIDR, IPV4_CIDR_PATTERN, MIN_SUBNET_PREFIX, networkSubnetPrefix } from './actionsSchema.js';
import type { DocPath, UnplacedProblem } from './configProblem.js';
import { STARTER_PLACEHOLDERS } from './starterConfig.js';
import { suggestName } from './suggestName.js';

export interface ConsistencyReport {
  readonly errors: UnplacedProblem[];
  readonly warnings: UnplacedProblem[];
}

type Entry<T> = { readonly value: T; readonly path: DocPath };

function field(data: unknown, path: DocPath): unknown {
  let current = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

function list(data: unknown, path: DocPath): Entry<unknown>[] {
  const value = field(data, path);
  return Array.isArray(value) ? value.map((item, index) => ({ value: item, path: [...path, index] })) : [];
}

function strings(data: unknown, path: DocPath): Entry<string>[] {
  return list(data, path).filter((e): e is Entry<string> => typeof e.value === 'string');
}

function text(data: unknown, path: DocPath): string | undefined {
  const value = field(data, path);
  return typeof value === 'string' ? value : undefined;
}

/** Partitions other than `aws`, by Region prefix. */
const OTHER_PARTITIONS = [
  { prefix: 'us-gov-', name: 'AWS GovCloud (US) (aws-us-gov)' },
  { prefix: 'cn-', name: 'China (aws-cn)' },
  { prefix: 'eusc-', name: 'AWS European Sovereign Cloud (aws-eusc)' },
] as const;

/** Flags every entry that repeats an earlier one. */
function duplicates<T>(entries: Entry<T>[], key: (v: T) => string, what: string): UnplacedProblem[] {
  const first = new Map<string, DocPath>();
  const problems: UnplacedProblem[] = [];
  for (const entry of entries) {
    const k = key(entry.value);
    const earlier = first.get(k);
    if (earlier) {
      problems.push({
        path: entry.path,
        message: `${what} ${JSON.stringify(k)} is listed twice`,
        hint: 'remove one of them',
      });
    } else {
      first.set(k, entry.path);
    }
  }
  return problems;
}

function unknownChannel(entry: Entry<string>, channels: readonly string[]): UnplacedProblem {
  const suggestion = suggestName(entry.value, channels);
  return {
    path: entry.path,
    message: `no channel named ${JSON.stringify(entry.value)} is defined`,
    hint: suggestion
      ? `did you mean \`${suggestion}\`?`
      : channels.length > 0
        ? `defined channels: ${channels.join(', ')}`
        : 'define it under notifications.channels',
  };
}

/** Cross-field checks on a parsed (not yet validated) configuration document. */
export function checkConfigConsistency(data: unknown): ConsistencyReport {
  const errors: UnplacedProblem[] = [];
  const warnings: UnplacedProblem[] = [];

  // Regions.
  const memberRegions = strings(data, ['members', 'regions']);
  const regionNames = memberRegions.map((r) => r.value);
  errors.push(...duplicates(memberRegions, (r) => r, 'Region'));
  errors.push(...duplicates(strings(data, ['members', 'organizationalUnits']), (o) => o, 'organizational unit'));
  const centralRegion = text(data, ['central', 'region']);
  if (centralRegion && memberRegions.length > 0 && !regionNames.includes(centralRegion)) {
    errors.push({
      path: ['central', 'region'],
      message: `the central Region ${centralRegion} is not one of members.regions`,
      hint: `add ${centralRegion} to members.regions: the central account's own backups are watched there too`,
    });
  }
  if (text(data, ['central', 'eventBusName']) === 'default') {
    errors.push({
      path: ['central', 'eventBusName'],
      message: 'the default event bus cannot be used: Vaultpilot creates its own bus with an organization-only policy',
      hint: 'use another name, e.g. vaultpilot',
    });
  }
  const central = text(data, ['central', 'account']);
  if (central && central === text(data, ['organization', 'managementAccount'])) {
    warnings.push({
      path: ['central', 'account'],
      message: 'the central account is the management account',
      hint: 'AWS recommends keeping workloads out of the management account; use a dedicated monitoring or backup account',
    });
  }

  // Partitions: the stacks place the management stack in us-east-1 and build ARNs and console links of the
  // aws partition; GovCloud (us-gov-*), China (cn-*) and the European Sovereign Cloud (eusc-*) are separate
  // partitions with their own management Region and endpoints, which Vaultpilot does not support yet.
  const regionEntries: Entry<string>[] = [
    ...(centralRegion ? [{ value: centralRegion, path: ['central', 'region'] as DocPath }] : []),
    ...memberRegions,
    ...list(data, ['watchedVaults']).flatMap((v) => strings(data, [...v.path, 'regions'])),
  ];
  for (const region of regionEntries) {
    const partition = OTHER_PARTITIONS.find((p) => region.value.startsWith(p.prefix));
    if (partition) {
      errors.push({
        path: region.path,
        message: `${region.value} is in the ${partition.name} partition, which Vaultpilot does not support yet`,
        hint:
          'Vaultpilot deploys to the commercial aws partition only (its management stack lives in us-east-1); ' +
          'remove this Region, and run a separate deployment once other partitions are supported',
      });
    }
  }

  if (memberRegions.length > 0 && !regionNames.includes('us-east-1')) {
    warnings.push({
      path: ['members', 'regions'],
      message:
        'us-east-1 is not a member Region: AWS Organizations reports an invalid effective backup policy ' +
        '(EffectivePolicyValidation) in us-east-1 only, so those reports from member accounts would be missed',
      hint: 'add us-east-1 to members.regions (the member stack there forwards them)',
    });
  }

  // Watched vaults.
  const vaults = list(data, ['watchedVaults']);
  for (const vault of vaults) {
    for (const region of strings(data, [...vault.path, 'regions'])) {
      if (memberRegions.length > 0 && !regionNames.includes(region.value)) {
        errors.push({
          path: region.path,
          message: `${region.value} is not one of members.regions, so this vault would never be watched there`,
          hint: `add ${region.value} to members.regions or remove it here`,
        });
      }
    }
  }
  errors.push(
    ...duplicates(
      vaults.filter((v): v is Entry<Record<string, unknown>> => typeof v.value === 'object' && v.value !== null),
      (v) => JSON.stringify([v.name, v.accounts ?? null, v.regions ?? null]),
      'watched vault',
    ).map((p) => ({ ...p, message: 'this watched vault repeats an earlier entry' })),
  );
  // The same vault listed twice for different accounts or Regions is fine (each gets its own alarm).

  // Channels and routes.
  const channelEntries = list(data, ['notifications', 'channels']);
  const named = channelEntries
    .map((c): Entry<unknown> => ({ value: field(c.value, ['name']), path: [...c.path, 'name'] }))
    .filter((e): e is Entry<string> => typeof e.value === 'string');
  errors.push(
    ...duplicates(named, (n) => n, 'channel name').map((p) => ({
      ...p,
      message: `${p.message}: channel names must be unique`,
      hint: 'rename one of the channels',
    })),
  );
  const channels = [...new Set(named.map((n) => n.value))];
  const used = new Set<string>();
  const defaultChannel = text(data, ['notifications', 'defaultChannel']);
  if (defaultChannel !== undefined) {
    used.add(defaultChannel);
    if (channelEntries.length > 0 && !channels.includes(defaultChannel)) {
      errors.push(unknownChannel({ value: defaultChannel, path: ['notifications', 'defaultChannel'] }, channels));
    }
  }
  const references = [
    ...list(data, ['notifications', 'routes']).flatMap((route) => strings(data, [...route.path, 'channels'])),
    ...strings(data, ['digest', 'channels']),
  ];
  for (const ref of references) {
    used.add(ref.value);
    if (channelEntries.length > 0 && !channels.includes(ref.value)) errors.push(unknownChannel(ref, channels));
  }
  for (const route of list(data, ['notifications', 'routes'])) {
    errors.push(...duplicates(strings(data, [...route.path, 'channels']), (c) => c, 'channel'));
  }
  for (const channel of named) {
    if (!used.has(channel.value)) {
      warnings.push({
        path: channel.path,
        message: `channel ${JSON.stringify(channel.value)} is defined but no route, digest or defaultChannel uses it`,
        hint: 'add it to a route under notifications.routes, or remove it',
      });
    }
  }
  for (const channel of channelEntries) {
    errors.push(...duplicates(strings(data, [...channel.path, 'addresses']), (a) => a.toLowerCase(), 'address'));
  }

  // RPO thresholds.
  const tagRules = list(data, ['rpo', 'tags']).filter(
    (t): t is Entry<Record<string, unknown>> => typeof t.value === 'object' && t.value !== null,
  );
  errors.push(
    ...duplicates(tagRules, (t) => `${String(t.key)}=${t.value === undefined ? '*' : String(t.value)}`, 'tag rule'),
  );

  // Vault notifications.
  if (
    field(data, ['vaultNotifications', 'enabled']) === true &&
    strings(data, ['vaultNotifications', 'vaults']).length === 0
  ) {
    errors.push({
      path: ['vaultNotifications', 'vaults'],
      message: 'vault notifications are enabled but no vault is listed',
      hint: 'list the vault names under vaultNotifications.vaults, or set enabled: false',
    });
  }
  const watchedNames = vaults.map((v) => field(v.value, ['name'])).filter((n): n is string => typeof n === 'string');
  if (watchedNames.length > 0) {
    for (const vault of strings(data, ['vaultNotifications', 'vaults'])) {
      if (!watchedNames.includes(vault.value)) {
        warnings.push({
          path: vault.path,
          message: `vault ${JSON.stringify(vault.value)} gets SNS notifications but is not in watchedVaults`,
          hint: 'add it to watchedVaults, or its signals will be ignored',
        });
      }
    }
  }
  errors.push(...duplicates(strings(data, ['vaultNotifications', 'vaults']), (v) => v, 'vault'));

  const actions = checkActions(data, regionNames);
  errors.push(...actions.errors);
  warnings.push(...actions.warnings);

  // Example values left over from `vaultpilot init`.
  const placeholders: [DocPath, string][] = [
    [['organization', 'id'], STARTER_PLACEHOLDERS.organizationId],
    [['organization', 'managementAccount'], STARTER_PLACEHOLDERS.managementAccount],
    [['central', 'account'], STARTER_PLACEHOLDERS.centralAccount],
  ];
  for (const [path, example] of placeholders) {
    if (text(data, path) === example) {
      warnings.push({
        path,
        message: `${example} is the example value from \`vaultpilot init\``,
        hint: 'replace it before deploying',
      });
    }
  }
  for (const ou of strings(data, ['members', 'organizationalUnits'])) {
    if (ou.value === STARTER_PLACEHOLDERS.organizationalUnit) {
      warnings.push({
        path: ou.path,
        message: `${ou.value} is the example value from \`vaultpilot init\``,
        hint: 'replace it before deploying',
      });
    }
  }

  return { errors, warnings };
}

function integer(data: unknown, path: DocPath): Entry<number> | undefined {
  const value = field(data, path);
  return typeof value === 'number' && Number.isInteger(value) ? { value, path } : undefined;
}

/** Cross-field checks of the `actions:` section: Regions, duplicates, the archive bucket's lifecycle. */
function checkActions(data: unknown, memberRegions: readonly string[]): ConsistencyReport {
  const errors: UnplacedProblem[] = [];
  const warnings: UnplacedProblem[] = [];
  if (field(data, ['actions']) === undefined) return { errors, warnings };

  const vaults = list(data, ['actions', 'vaults']);
  for (const vault of vaults) {
    for (const region of strings(data, [...vault.path, 'regions'])) {
      if (memberRegions.length > 0 && !memberRegions.includes(region.value)) {
        errors.push({
          path: region.path,
          message: `${region.value} is not one of members.regions, so no recovery point of this vault would ever be seen there`,
          hint: `add ${region.value} to members.regions or remove it here`,
        });
      }
    }
  }
  errors.push(
    ...duplicates(
      vaults.filter((v): v is Entry<Record<string, unknown>> => typeof v.value === 'object' && v.value !== null),
      (v) => JSON.stringify([v.name, v.accounts ?? null, v.regions ?? null]),
      'vault',
    ).map((p) => ({ ...p, message: 'this vault repeats an earlier entry of actions.vaults' })),
  );

  const enabled = field(data, ['actions', 'enabled']) === true;
  const snapshots = ['automated', 'manual'].some((k) => field(data, ['actions', 'rdsSnapshots', k]) === true);
  if (enabled && vaults.length === 0 && !snapshots) {
    errors.push({
      path: ['actions', 'vaults'],
      message: 'actions are enabled but there is nothing to act on: no vault is listed and no RDS snapshots are chosen',
      hint: 'list vaults under actions.vaults, or set actions.rdsSnapshots.automated / manual to true, or set enabled: false',
    });
  }
  const exports =
    ['RDS', 'Aurora', 'DynamoDB'].some((t) => field(data, ['actions', 'resourceTypes', t, 'export']) === 'parquet') ||
    ['EBS', 'EC2'].some((t) => field(data, ['actions', 'resourceTypes', t, 'export']) === 'block');
  if (enabled && !exports) {
    warnings.push({
      path: ['actions', 'resourceTypes'],
      message: 'actions are enabled but no resource type is exported, so every recovery point is left alone',
      hint: 'set actions.resourceTypes.RDS.export (or Aurora, or DynamoDB) to parquet, or EBS.export to block',
    });
  }
  if (enabled && field(data, ['actions', 'deleteRecoveryPointAfterExport']) === true && !exports) {
    warnings.push({
      path: ['actions', 'deleteRecoveryPointAfterExport'],
      message: 'recovery points are deleted only after a verified export, and nothing is exported',
      hint: 'choose an export under actions.resourceTypes, or remove this setting',
    });
  }
  for (const kind of ['instances', 'clusters'] as const) {
    errors.push(...duplicates(strings(data, ['actions', 'rdsSnapshots', kind]), (v) => v, kind.slice(0, -1)));
  }

  // The archive bucket: S3 rejects a lifecycle whose steps are out of order, and Object Lock keeps an object
  // until its retention ends, whatever the lifecycle says.
  const bucket = ['actions', 'archiveBucket'];
  const glacier = integer(data, [...bucket, 'lifecycle', 'glacierAfterDays']);
  const deep = integer(data, [...bucket, 'lifecycle', 'deepArchiveAfterDays']);
  const expire = integer(data, [...bucket, 'lifecycle', 'expireAfterDays']);
  const retention = integer(data, [...bucket, 'objectLock', 'retentionDays']);
  if (glacier && deep && deep.value <= glacier.value) {
    errors.push({
      path: deep.path,
      message: `exports would move to Deep Archive after ${deep.value} days, not after Glacier (${glacier.value} days)`,
      hint: `use more than ${glacier.value} days; Glacier Flexible Retrieval bills at least 90 days, so ${glacier.value + 90} is the cheapest`,
    });
  }
  if (expire) {
    if (expire.value === 0) {
      errors.push({
        path: expire.path,
        message: 'exports would expire the day they are written',
        hint: 'use at least 1 day, or remove expireAfterDays to keep them',
      });
    }
    for (const [step, name] of [
      [glacier, 'the move to Glacier'],
      [deep, 'the move to Deep Archive'],
    ] as const) {
      if (step && expire.value <= step.value) {
        errors.push({
          path: expire.path,
          message: `exports would expire after ${expire.value} days, before ${name} (${step.value} days)`,
          hint: `expire after more than ${step.value} days, or remove that transition`,
        });
      }
    }
    if (retention && expire.value < retention.value) {
      errors.push({
        path: expire.path,
        message: `exports would expire after ${expire.value} days, but Object Lock keeps them for ${retention.value} days`,
        hint: `expire after at least ${retention.value} days, or shorten objectLock.retentionDays`,
      });
    }
  }
  checkNetwork(data, errors, warnings);
  const name = text(data, [...bucket, 'name']);
  const logs = text(data, [...bucket, 'accessLogBucket']);
  if (name && logs && name === logs) {
    errors.push({
      path: [...bucket, 'accessLogBucket'],
      message: 'the archive bucket cannot receive its own access logs',
      hint: 'name a separate bucket: logging into the logged bucket writes a log for every log, without end',
    });
  }
  return { errors, warnings };
}

/** RFC 1918 ranges: a VPC on other addresses hides the public hosts of that range from its functions (NAT mode). */
const PRIVATE_RANGES: readonly (readonly [number, number])[] = [
  [0x0a000000, 8],
  [0xac100000, 12],
  [0xc0a80000, 16],
];

/** `actions.network`: the range must be a network address and hold one subnet per AZ (two in `nat` mode). */
function checkNetwork(data: unknown, errors: UnplacedProblem[], warnings: UnplacedProblem[]): void {
  const path = ['actions', 'network'];
  const mode = field(data, [...path, 'mode']);
  const azs = integer(data, [...path, 'azs'])?.value ?? 2;
  const nat = integer(data, [...path, 'natGateways']);
  if (mode !== 'isolated' && mode !== 'nat') {
    if (
      field(data, path) !== undefined &&
      ['cidr', 'azs', 'natGateways'].some((k) => field(data, [...path, k]) !== undefined)
    ) {
      warnings.push({
        path: [...path, 'mode'],
        message: 'actions.network sets a range, AZs or NAT gateways, but its mode is none: no VPC is created',
        hint: 'set mode: isolated or mode: nat, or remove the other network settings',
      });
    }
    return;
  }
  if (field(data, ['actions', 'resourceTypes', 'EBS', 'export']) !== 'block') {
    warnings.push({
      path: [...path, 'mode'],
      message: `a ${mode} VPC is created for the EBS block-archive functions, but EBS.export is not block: it carries nothing and is billed all the same`,
      hint: 'set actions.resourceTypes.EBS.export to block, or network.mode to none',
    });
  }
  if (nat && mode === 'nat' && nat.value > azs) {
    errors.push({
      path: nat.path,
      message: `${nat.value} NAT gateways for ${azs} AZs: there is at most one per AZ`,
      hint: `use 1 (cheapest) or ${azs} (one per AZ)`,
    });
  }
  if (nat && mode === 'isolated') {
    warnings.push({
      path: nat.path,
      message: 'natGateways is ignored in isolated mode: the VPC has no NAT gateway',
      hint: 'remove it, or set mode: nat',
    });
  }
  const cidr = text(data, [...path, 'cidr']) ?? DEFAULT_NETWORK_CIDR;
  if (!IPV4_CIDR_PATTERN.test(cidr)) return; // the schema reports it
  const [address = '', prefixText = ''] = cidr.split('/');
  const prefix = Number(prefixText);
  const value = address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  const cidrPath = [...path, 'cidr'];
  if (value % size !== 0) {
    const network = value - (value % size);
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    errors.push({
      path: cidrPath,
      message: `${cidr} is not a network address: its host bits are not zero`,
      hint: `use ${dotted}/${prefix}`,
    });
  }
  const subnetPrefix = networkSubnetPrefix(prefix, mode, azs);
  if (subnetPrefix > MIN_SUBNET_PREFIX) {
    const subnets = mode === 'nat' ? `${2 * azs} subnets (a private and a public one per AZ)` : `${azs} subnets`;
    errors.push({
      path: cidrPath,
      message: `${cidr} is too small for ${subnets}: each would be a /${subnetPrefix}, and AWS allows at most /${MIN_SUBNET_PREFIX}`,
      hint: `use a /${prefix - (subnetPrefix - MIN_SUBNET_PREFIX)} or larger (the default is ${DEFAULT_NETWORK_CIDR})`,
    });
  }
  const isPrivate = PRIVATE_RANGES.some(
    ([start, bits]) => Math.floor(value / 2 ** (32 - bits)) === Math.floor(start / 2 ** (32 - bits)) && prefix >= bits,
  );
  if (!isPrivate) {
    warnings.push({
      path: cidrPath,
      message: `${cidr} is not a private (RFC 1918) range${mode === 'nat' ? ': the functions could not reach public addresses in it' : ''}`,
      hint: `use a range in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (the default is ${DEFAULT_NETWORK_CIDR})`,
    });
  }
}
