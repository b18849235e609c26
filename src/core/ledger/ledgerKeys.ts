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
 */

/** A DynamoDB primary key of the ledger. */
export interface LedgerKey {
  readonly pk: string;
  readonly sk: string;
}

/** The partition that holds one item per resource and is read whole by the RPO check and the digest. */
export const LAST_GOOD_PARTITION = 'LASTGOOD';

/** Sort-key prefixes inside a day partition. */
export const DAY_PREFIX = { job: 'JOB#', policy: 'POLICY#', unparsed: 'UNPARSED#' } as const;

/** The claim item that de-duplicates one signal id. */
export function signalClaimKey(signalId: string): LedgerKey {
  return { pk: `SIGNAL#${signalId}`, sk: 'CLAIM' };
}

/** The latest known state of one backup/copy/restore/scan job. */
export function jobStateKey(kind: string, jobId: string): LedgerKey {
  return { pk: `JOB#${kind}#${jobId}`, sk: 'STATE' };
}

/** The partition holding one UTC day's terminal jobs, policy changes and unparsed inputs. */
export function dayPartition(day: string): string {
  return `DAY#${day}`;
}

/** A terminal job in its day partition (one item per job: a later outcome overwrites an earlier one). */
export function dayJobKey(day: string, kind: string, jobId: string): LedgerKey {
  return { pk: dayPartition(day), sk: `${DAY_PREFIX.job}${kind}#${jobId}` };
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
  return `RES#${resourceArn}`;
}

/** One terminal job in a resource's history, sorted by time. */
export function resourceJobKey(resourceArn: string, timeIso: string, kind: string, jobId: string): LedgerKey {
  return { pk: resourcePartition(resourceArn), sk: `JOB#${timeIso}#${kind}#${jobId}` };
}

/** The last good recovery point of one resource. */
export function lastGoodKey(resourceArn: string): LedgerKey {
  return { pk: LAST_GOOD_PARTITION, sk: `RES#${resourceArn}` };
}

/** The partition of one Organizations policy id. */
export function policyPartition(policyId: string): string {
  return `POLICY#${policyId}`;
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

/** The resource ARN carried in a `RES#…` sort key. */
export function resourceArnOfSortKey(sk: string): string {
  return sk.startsWith('RES#') ? sk.slice(4) : sk;
}
