/**
 * The CloudWatch Embedded Metric Format record for one signal. The router prints it as one log line;
 * CloudWatch Logs extracts the metrics, so no PutMetricData call (and no extra latency) is needed.
 * Metric names and dimension sets are those of the deployment contract, which the dashboard and alarms use.
 */
import { METRIC_DIMENSIONS, METRICS } from '../deployment/contract.js';
import { FAILED_OUTCOMES, GOOD_OUTCOMES, TERMINAL_OUTCOMES } from '../ledger/ledgerFacts.js';
import { isJobKind, type Signal, type SignalKind } from '../signal.js';

/** One EMF metric directive: these metrics are published under each of these dimension sets. */
export interface EmfDirective {
  readonly Namespace: string;
  readonly Dimensions: string[][];
  readonly Metrics: { readonly Name: string; readonly Unit: 'Count' }[];
}

/** An EMF log record: metadata under `_aws`, dimension values and metric values at the root. */
export interface EmfRecord {
  readonly _aws: { readonly Timestamp: number; readonly CloudWatchMetrics: EmfDirective[] };
  readonly [member: string]: unknown;
}

const D = METRIC_DIMENSIONS;

/** Builds the EMF record for a signal at `timestampMs`: every metric the contract names that applies to it. */
export function emfRecord(signal: Signal, namespace: string, timestampMs: number): EmfRecord {
  const values: Record<string, string> = {
    [D.kind]: signal.kind,
    [D.severity]: signal.severity,
    [D.outcome]: signal.outcome,
  };
  // A dimension set is only usable when every key in it has a value on this record.
  const account = signal.account;
  const resourceType = signal.resource.type;
  if (account) values[D.account] = account;
  if (resourceType) values[D.resourceType] = resourceType;
  const perAccount = account ? [[D.account]] : [];
  const perType = resourceType ? [[D.resourceType]] : [];

  const directives: EmfDirective[] = [
    { Namespace: namespace, Dimensions: [[D.kind, D.severity]], Metrics: [{ Name: METRICS.signals, Unit: 'Count' }] },
  ];
  const counts: Record<string, number> = { [METRICS.signals]: 1 };

  // Scan jobs count as jobs, as in the ledger and the digest: they have the same lifecycle, a failed scan is a
  // failed job like any other (FailedJobs, and the failure rate FailedJobs / Jobs), and the Kind dimension
  // ([Kind, Outcome], FailedJobs [Kind]) tells them apart from backups. A scan that found threats ends the job
  // (Jobs, Outcome threats-found) but is no FailedJobs: it is a finding, alerted as a critical signal of its own.
  const isTerminalJob = isJobKind(signal.kind) && TERMINAL_OUTCOMES.has(signal.outcome);
  if (isTerminalJob) {
    counts[METRICS.jobs] = 1;
    directives.push({
      Namespace: namespace,
      Dimensions: [[], [D.outcome], [D.kind, D.outcome], ...perAccount, ...perType],
      Metrics: [{ Name: METRICS.jobs, Unit: 'Count' }],
    });
    if (FAILED_OUTCOMES.has(signal.outcome)) {
      counts[METRICS.failedJobs] = 1;
      directives.push({
        Namespace: namespace,
        Dimensions: [[], [D.kind], ...perAccount, ...perType],
        Metrics: [{ Name: METRICS.failedJobs, Unit: 'Count' }],
      });
    }
    // CompletedJobs means data got protected: the freshness and completed-volume alarms watch it, so a scan
    // that completes (it protects nothing) must not keep them quiet while backups have stopped.
    if (GOOD_OUTCOMES.has(signal.outcome) && signal.kind !== 'scan') {
      counts[METRICS.completedJobs] = 1;
      directives.push({
        Namespace: namespace,
        Dimensions: [[], ...perType],
        Metrics: [{ Name: METRICS.completedJobs, Unit: 'Count' }],
      });
    }
  }
  const single = singleCountMetric(signal.kind);
  if (single) {
    counts[single] = 1;
    directives.push({ Namespace: namespace, Dimensions: [[]], Metrics: [{ Name: single, Unit: 'Count' }] });
  }

  return {
    _aws: { Timestamp: timestampMs, CloudWatchMetrics: directives },
    ...values,
    ...counts,
  };
}

function singleCountMetric(kind: SignalKind): string | undefined {
  if (kind === 'policy-change') return METRICS.policyChanges;
  if (kind === 'tamper') return METRICS.tamperEvents;
  if (kind === 'unparsed') return METRICS.unparsedEvents;
  return undefined;
}
