/**
 * What the functions need from the ledger, one port per concern, with no storage in sight (after Powertools'
 * idempotency persistence port, kept apart from its DynamoDB layer). The DynamoDB implementations are in
 * src/aws/ledger; tests and other stores can stand in for them.
 */
import type { DigestJob, DigestPolicyChange } from '../digest/buildDigest.js';
import type { LastGoodObservation } from '../digest/findRpoBreaches.js';
import type { SourceHeartbeat, SourceRecord } from '../heartbeat/sourceHeartbeat.js';
import type { InventoriedPolicy } from '../inventory/policyInventory.js';
import type { Signal } from '../signal.js';

/** The answer to a claim: send it, resume it (some channels already went out), or drop it as a duplicate. */
export type Claim =
  | { readonly status: 'new' | 'resumed'; readonly sentChannels: ReadonlySet<string>; readonly firstSeenAtMs: number }
  | { readonly status: 'duplicate' };

/** De-duplication of notifications: at most one claimant sends each, at most once per channel. */
export interface SignalClaims {
  /**
   * Claims the notification of `notificationId` for `claimant` (an SQS message id). A claim succeeds when
   * nobody holds it, when the same claimant retries, or when an unfinished claim's lease ran out; it fails
   * (duplicate) once the notification was marked done or while another claimant's lease is live.
   */
  claim(notificationId: string, claimant: string, keepDays?: number): Promise<Claim>;
  /** Records that one channel of a claimed notification went out, so a retry does not send it again. */
  markChannelSent(notificationId: string, channelKey: string): Promise<void>;
  /**
   * Marks a claimed notification as done (`how`: notified, suppressed, ignored, stale): later copies are
   * duplicates. `lastChannel` records the channel that just went out in the same write.
   */
  markDone(notificationId: string, how: string, lastChannel?: string): Promise<void>;
}

/** A terminal job as the digest reads it (the shape core's digest takes). */
export type DayJob = DigestJob;

/** The last good recovery point of a resource (the shape core's RPO check takes). */
export type LastGoodRecoveryPoint = LastGoodObservation;

/** Job states, the day's and each resource's terminal jobs, and each resource's last good recovery point. */
export interface JobHistory {
  /**
   * Records a job transition. Returns `stale: true` when the ledger already holds a later state of the job
   * (an event that arrived out of order): it is then not recorded and must not be notified.
   */
  recordJob(signal: Signal): Promise<{ readonly stale: boolean }>;
  /** Records the good recovery point a signal proves, only if it is newer than the one held. True if updated. */
  recordGoodRecoveryPoint(signal: Signal): Promise<boolean>;
  /** Every resource's last good recovery point, leaving out expired ones. */
  lastGoodRecoveryPoints(): Promise<LastGoodRecoveryPoint[]>;
  /** The terminal jobs of one UTC day (`yyyy-mm-dd`), one per job with its final outcome. */
  jobsOfDay(day: string): Promise<DayJob[]>;
  /** A resource's terminal jobs, newest first. */
  jobHistory(resourceArn: string, limit?: number): Promise<DayJob[]>;
}

/** A policy change as the digest reads it, with the account the call was made in. */
export interface DayPolicyChange extends DigestPolicyChange {
  readonly account?: string;
}

/** What the ledger knows about an Organizations policy id. */
export interface KnownPolicy {
  readonly policyId: string;
  readonly type?: string;
  readonly name?: string;
  readonly deletedAtMs?: number;
}

/** Backup-policy versions (to diff an UpdatePolicy), what is known of each policy id, and the day's changes. */
export interface PolicyVersions {
  /** What the ledger knows about a policy id, or undefined if it never saw it. */
  knownPolicy(policyId: string): Promise<KnownPolicy | undefined>;
  /** Whether a policy id is a backup policy: by the type the signal carries, or else by what the ledger saw. */
  isBackupPolicy(signal: Signal): Promise<boolean>;
  /** The content of the version of a policy stored just before this signal's time (for a diff). */
  previousPolicyContent(signal: Signal): Promise<string | undefined>;
  /** Records a backup-policy change: a new version, what is known about the id, the change in its day. */
  recordPolicyChange(signal: Signal): Promise<void>;
  /** The backup-policy changes of one UTC day, oldest first. */
  policyChangesOfDay(day: string): Promise<DayPolicyChange[]>;
  /**
   * Records what the organization's policy inventory says: each policy's type and name, and for backup
   * policies their document as of `takenAtMs` (a version a later UpdatePolicy can be diffed against).
   */
  recordInventory(policies: readonly InventoriedPolicy[], takenAtMs: number): Promise<void>;
}

/** An unparsed input kept for people to look at. */
export interface KeptUnparsed {
  readonly signalId: string;
  readonly reason?: string;
  readonly source: string;
  readonly raw: string;
  readonly atMs: number;
}

/** Inputs Vaultpilot could not understand, kept per day for people and the digest. */
export interface UnparsedInputs {
  /**
   * Keeps an unparsed input in its day. Unparsed inputs carry no time of their own: pass the claim's
   * first-seen time so a retry overwrites the same item.
   */
  keepUnparsed(signal: Signal, receivedAtMs?: number): Promise<void>;
  /** The unparsed inputs kept for one UTC day, oldest first. */
  unparsedOfDay(day: string): Promise<KeptUnparsed[]>;
}

/** Leases that keep runs of a scheduled function from overlapping, without reserving Lambda concurrency. */
export interface RunLeases {
  /**
   * Takes the lease `name` for `holder` for `ttlMs`. True when nobody held it, its holder's time ran out, or
   * `holder` already holds it (a retry of the same run); false while another holder's lease is live.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease back, only if `holder` holds it. True if it was released. */
  release(name: string, holder: string): Promise<boolean>;
}

/** A forwarding source as the ledger holds it: its last heartbeat, and since when it was reported silent. */
export interface KnownSource extends SourceRecord {
  /** The last heartbeat before the silence that was reported; absent while the source is heard. */
  readonly silentSinceMs?: number;
}

/** When each account × Region was last heard from (see core/heartbeat/sourceHeartbeat.ts). */
export interface SourceHeartbeats {
  /**
   * Records a heartbeat (an older one than the ledger holds changes nothing). Returns the source as it was
   * before: its `silentSinceMs` says the source had been reported silent and is now heard again.
   */
  recordHeartbeat(beat: SourceHeartbeat): Promise<KnownSource | undefined>;
  /** Every source ever heard from. */
  sources(): Promise<KnownSource[]>;
  /** Records that the silence after `lastHeardMs` was reported; false if a heartbeat came meanwhile. */
  markSilent(source: SourceRecord): Promise<boolean>;
}

/** Every store of the ledger, for the code that builds the functions. */
export interface LedgerStores {
  readonly claims: SignalClaims;
  readonly jobs: JobHistory;
  readonly policies: PolicyVersions;
  readonly unparsed: UnparsedInputs;
  readonly leases: RunLeases;
  readonly sources: SourceHeartbeats;
}
