/**
 * The faults the EBS direct API stand-in can inject, decided per request from a seeded random generator so a
 * test run is repeatable: latency, a per-snapshot request-rate limit, throttling storms, 5xx answers, slow
 * answers and wrong checksums for given blocks.
 */

import { seededRandom } from '../seededRandom.js';
import { EbsStandInError } from './ebsStandInErrors.js';

/** Fault settings; every field can also be changed on a running stand-in. */
export interface EbsFaultOptions {
  /** Added to every answer, in ms. @default 0 */
  readonly latencyMs?: number;
  /**
   * Requests per second allowed per snapshot (as EBS limits GetSnapshotBlock/PutSnapshotBlock per snapshot);
   * requests over it answer 400 RequestThrottledException. @default unlimited
   */
  readonly rateLimitPerSnapshot?: number;
  /** Chance that a request starts a throttling storm. @default 0 */
  readonly stormProbability?: number;
  /** How many requests a storm throttles. @default 20 */
  readonly stormRequests?: number;
  /** The error type a storm answers with. @default 'RequestThrottledException' */
  readonly stormErrorType?: 'RequestThrottledException' | 'ThrottlingException';
  /** Chance of a 500 InternalServerException (or 503 ServiceUnavailable, half of the time). @default 0 */
  readonly serverErrorProbability?: number;
  /** Chance that an answer is held back `slowResponseMs` (longer than a client's request timeout). @default 0 */
  readonly slowResponseProbability?: number;
  /** @default 5000 */
  readonly slowResponseMs?: number;
  /** Blocks whose GetSnapshotBlock answers carry a wrong `x-amz-Checksum`, `times` times (default: always). */
  readonly wrongChecksumBlocks?: readonly { snapshotId?: string; blockIndex: number; times?: number }[];
  /** Chance that a list page comes back empty with a NextToken, as EBS sometimes does. @default 0 */
  readonly emptyPageProbability?: number;
  /**
   * Block requests allowed in flight at once per snapshot; more answer 400 ConcurrentLimitExceededException.
   * @default unlimited
   */
  readonly concurrentLimitPerSnapshot?: number;
  /** Snapshots every request on which answers 403 AccessDeniedException. @default none */
  readonly deniedSnapshots?: readonly string[];
  /** Seed of the random generator. @default 1 */
  readonly seed?: number;
}

/** What a fault decision asks the server to do with one request. */
export interface FaultDecision {
  readonly delayMs: number;
  readonly error?: EbsStandInError;
}

/** Counts of what the stand-in injected, for tests and the demo. */
export interface FaultCounters {
  throttled: number;
  serverErrors: number;
  slowResponses: number;
  wrongChecksums: number;
  emptyPages: number;
  concurrentLimited: number;
}

/** Decides, request by request, which faults to inject. */
export class FaultInjector {
  private options: EbsFaultOptions;
  private random: () => number;
  private stormLeft = 0;
  private readonly windows = new Map<string, { second: number; count: number }>();
  private readonly wrongChecksumsServed = new Map<string, number>();
  readonly counters: FaultCounters = {
    throttled: 0,
    serverErrors: 0,
    slowResponses: 0,
    wrongChecksums: 0,
    emptyPages: 0,
    concurrentLimited: 0,
  };

  constructor(
    options: EbsFaultOptions,
    private readonly now: () => number,
  ) {
    this.options = options;
    this.random = seededRandom(options.seed ?? 1);
  }

  /** Replaces some settings; a new seed restarts the random sequence. */
  update(options: EbsFaultOptions): void {
    this.options = { ...this.options, ...options };
    if (options.seed !== undefined) this.random = seededRandom(options.seed);
  }

  /** Throttles the next `requests` requests, whatever the probabilities say. */
  startStorm(requests: number): void {
    this.stormLeft = requests;
  }

  /**
   * The faults for one request (access first, then throttling, as a front door would). `snapshotId` is the snapshot
   * of the request; `blockInFlight` how many block requests on it are in flight, this one included (absent for
   * other requests).
   */
  decide(snapshotId: string | undefined, blockInFlight?: number): FaultDecision {
    const o = this.options;
    let delayMs = o.latencyMs ?? 0;
    if (snapshotId !== undefined && o.deniedSnapshots?.includes(snapshotId)) {
      return {
        delayMs,
        error: new EbsStandInError(
          403,
          'AccessDeniedException',
          'You do not have access to this snapshot.',
          'UNAUTHORIZED_ACCOUNT',
        ),
      };
    }
    if (blockInFlight !== undefined && blockInFlight > (o.concurrentLimitPerSnapshot ?? Number.POSITIVE_INFINITY)) {
      this.counters.concurrentLimited++;
      return {
        delayMs,
        error: new EbsStandInError(400, 'ConcurrentLimitExceededException', 'Too many concurrent requests.'),
      };
    }
    if (this.stormLeft === 0 && (o.stormProbability ?? 0) > 0 && this.random() < (o.stormProbability ?? 0)) {
      this.stormLeft = o.stormRequests ?? 20;
    }
    if (this.stormLeft > 0) {
      this.stormLeft--;
      return { delayMs, error: this.throttle(o.stormErrorType ?? 'RequestThrottledException', 'ACCOUNT_THROTTLED') };
    }
    if (
      blockInFlight !== undefined &&
      snapshotId !== undefined &&
      o.rateLimitPerSnapshot !== undefined &&
      this.overRate(snapshotId)
    ) {
      return { delayMs, error: this.throttle('RequestThrottledException', 'RESOURCE_LEVEL_THROTTLE') };
    }
    if ((o.serverErrorProbability ?? 0) > 0 && this.random() < (o.serverErrorProbability ?? 0)) {
      this.counters.serverErrors++;
      const unavailable = this.random() < 0.5;
      return {
        delayMs,
        error: unavailable
          ? new EbsStandInError(503, 'ServiceUnavailableException', 'Service unavailable, try again.')
          : new EbsStandInError(500, 'InternalServerException', 'An internal error occurred.'),
      };
    }
    if ((o.slowResponseProbability ?? 0) > 0 && this.random() < (o.slowResponseProbability ?? 0)) {
      this.counters.slowResponses++;
      delayMs += o.slowResponseMs ?? 5000;
    }
    return { delayMs };
  }

  /** True when this GetSnapshotBlock answer should carry a wrong checksum. */
  wrongChecksumFor(snapshotId: string, blockIndex: number): boolean {
    const rule = (this.options.wrongChecksumBlocks ?? []).find(
      (r) => r.blockIndex === blockIndex && (r.snapshotId === undefined || r.snapshotId === snapshotId),
    );
    if (!rule) return false;
    const key = `${snapshotId}/${blockIndex}`;
    const served = this.wrongChecksumsServed.get(key) ?? 0;
    if (rule.times !== undefined && served >= rule.times) return false;
    this.wrongChecksumsServed.set(key, served + 1);
    this.counters.wrongChecksums++;
    return true;
  }

  /** True when this list page should come back empty (with a NextToken to the same place). */
  emptyPage(): boolean {
    const p = this.options.emptyPageProbability ?? 0;
    if (p > 0 && this.random() < p) {
      this.counters.emptyPages++;
      return true;
    }
    return false;
  }

  private overRate(snapshotId: string): boolean {
    const second = Math.floor(this.now() / 1000);
    const window = this.windows.get(snapshotId);
    if (!window || window.second !== second) {
      this.windows.set(snapshotId, { second, count: 1 });
      return false;
    }
    window.count++;
    return window.count > (this.options.rateLimitPerSnapshot ?? Number.POSITIVE_INFINITY);
  }

  private throttle(type: string, reason: string): EbsStandInError {
    this.counters.throttled++;
    return new EbsStandInError(400, type, 'The request was throttled: slow down.', reason);
  }
}
