/**
 * The ledger's single-table key design. One DynamoDB table (partition key `pk`, sort key `sk`, TTL
 * attribute `expiresAt`, names from the deployment contract) holds every item type below; the prefixes keep
 * the types apart and make each query the digest and the RPO check need a single-partition Query.
 *
 * | item                    | pk                     | sk                                 |
 * |-------------------------|------------------------|------------------------------------|
 * | notification claim      | `SIGNAL#<signal id>`   | `CLAIM`                            |
 * | job state               | `JOB#<kind>#<job id>`  | `STATE`                            |
 * | day: terminal job       | `DAY#<yyyy-mm-dd>`     | `JOB#<kind>#<job id>`              |
 * | day: policy change      | `DAY#<yyyy-mm-dd>`     | `POLICY#<time>#<signal id>`        |
 * | day: unparsed input     | `DAY#<yyyy-mm-dd>`     | `UNPARSED#<time>#<signal id>`      |
 * | resource job history    | `RES#<resource arn>`   | `JOB#<time>#<kind>#<job id>`       |
 * | last good recovery point| `LASTGOOD`             | `RES#<resource arn>`               |
 * | policy: latest known    | `POLICY#<policy id>`   | `LATEST`                           |
 * | policy: content version | `POLICY#<policy id>`   | `V#<time>#<signal id>`             |
 * | source: last heartbeat  | `SOURCES`              | `SRC#<account>#<region>`           |
 * | run lease               | `LEASE#<name>`         | `LEASE`                            |
 *
 * DynamoDB limits a partition key to 2,048 bytes and a sort key to 1,024; ids and ARNs come from events
 * and may be longer (or not well-formed UTF-16). Each such part goes through `keyPart`, which keeps real
 * values as they are and replaces an oversized one by a prefix and a hash of it; items keep the whole value
 * in an attribute of their own.
 */
import { fnv1a64 } from '../normalize/signalId.js';

/** A DynamoDB primary key of the ledger. */
export interface LedgerKey {
  readonly pk: string;
  readonly sk: string;
}

/** The partition that holds one item per resource and is read whole by the RPO check and the digest. */
export const LAST_GOOD_PARTITION = 'LASTGOOD';

/** Sort-key prefixes inside a day partition. */
export const DAY_PREFIX = { job: 'JOB#', policy: 'POLICY#', unparsed: 'UNPARSED#' } as const;

/** Longest key part kept as it is, in UTF-8 bytes: three parts still fit a sort key. */
export const MAX_KEY_PART_BYTES = 300;

function utf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
  }
  return bytes;
}

/** A key part: `value` itself when short and well-formed, else `<ASCII prefix>~<64-bit hash of value>`. */
export function keyPart(value: string): string {
  if (value.length <= MAX_KEY_PART_BYTES / 3 && value.isWellFormed()) return value;
  if (utf8Length(value) <= MAX_KEY_PART_BYTES && value.isWellFormed()) return value;
  return `${value.slice(0, 100).replace(/[^\x20-\x7e]/g, '?')}~${fnv1a64(value)}`;
}

/** The claim item that de-duplicates one signal id. */
export function signalClaimKey(signalId: string): LedgerKey {
  return { pk: `SIGNAL#${signalId}`, sk: 'CLAIM' };
}

/** The latest known state of one backup/copy/restore/scan job. */
export function jobStateKey(kind: string, jobId: string): LedgerKey {
  return { pk: `JOB#${kind}#${keyPart(jobId)}`, sk: 'STATE' };
}

/** The partition holding one UTC day's terminal jobs, policy changes and unparsed inputs. */
export function dayPartition(day: string): string {
  return `DAY#${day}`;
}

/** A terminal job in its day partition (one item per job: a later outcome overwrites an earlier one). */
export function dayJobKey(day: string, kind: string, jobId: string): LedgerKey {
  return { pk: dayPartition(day), sk: `${DAY_PREFIX.job}${kind}#${keyPart(jobId)}` };
}

/** A policy change in its day partition. */
export function dayPolicyKey(day: string, timeIso: string, signalId: string): LedgerKey {
  return { pk: dayPartition(day), sk: `${DAY_PREFIX.policy}${timeIso}#${signalId}` };
}

/** An unparsed input in its day partition. */
export function dayUnparsedKey(day: string, timeIso: string, signalId: string): LedgerKey {
  return { pk: dayPartition(day), sk: `${DAY_PREFIX.unparsed}${timeIso}#${signalId}` };
}

/** The partition of one resource's job history. */
export function resourcePartition(resourceArn: string): string {
  return `RES#${keyPart(resourceArn)}`;
}

/** One terminal job in a resource's history, sorted by time. */
export function resourceJobKey(resourceArn: string, timeIso: string, kind: string, jobId: string): LedgerKey {
  return { pk: resourcePartition(resourceArn), sk: `JOB#${timeIso}#${kind}#${keyPart(jobId)}` };
}

/** The last good recovery point of one resource. */
export function lastGoodKey(resourceArn: string): LedgerKey {
  return { pk: LAST_GOOD_PARTITION, sk: `RES#${keyPart(resourceArn)}` };
}

/** The partition of one Organizations policy id. */
export function policyPartition(policyId: string): string {
  return `POLICY#${keyPart(policyId)}`;
}

/** What the ledger knows about a policy id (type, name, latest content). */
export function policyLatestKey(policyId: string): LedgerKey {
  return { pk: policyPartition(policyId), sk: 'LATEST' };
}

/** Sort-key prefix of the content versions of a policy. */
export const POLICY_VERSION_PREFIX = 'V#';

/** One content version of a policy, sorted by time. */
export function policyVersionKey(policyId: string, timeIso: string, signalId: string): LedgerKey {
  return { pk: policyPartition(policyId), sk: `${POLICY_VERSION_PREFIX}${timeIso}#${signalId}` };
}

/** The lease that keeps runs of one scheduled job (`digest:<yyyy-mm-dd>`, `rpo-check`) from overlapping. */
export function runLeaseKey(name: string): LedgerKey {
  return { pk: `LEASE#${keyPart(name)}`, sk: 'LEASE' };
}

/** The partition that holds one item per forwarding source (account × Region), read whole by the source check. */
export const SOURCES_PARTITION = 'SOURCES';

/** When one account × Region was last heard from (its heartbeat), and since when it was reported silent. */
export function sourceKey(account: string, region: string): LedgerKey {
  return { pk: SOURCES_PARTITION, sk: `SRC#${keyPart(account)}#${keyPart(region)}` };
}

/** The resource ARN carried in a `RES#…` sort key (items written before `resourceArn` was stored). */
export function resourceArnOfSortKey(sk: string): string {
  return sk.startsWith('RES#') ? sk.slice(4) : sk;
}
