/**
 * The errors the RDS stand-in answers with. Each carries the HTTP status and the awsQuery error CODE RDS sends on the
 * wire — which is not always the exception's name (`ExportTaskAlreadyExists` becomes `ExportTaskAlreadyExistsFault`,
 * `DBSnapshotNotFound` becomes `DBSnapshotNotFoundFault`) — so `@aws-sdk/client-rds` raises the same exception class it
 * would on AWS. Codes without a modelled exception (`InvalidParameterValue`, `MissingParameter`, the export quota) come
 * out as a plain `RDSServiceException` whose `name` is the code, as they do from AWS.
 */

/** An error answer: HTTP status, wire code, message. */
export class RdsStandInError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RdsStandInError';
  }
}

/**
 * Wire codes, taken from the `awsQueryError` traits of `@aws-sdk/client-rds` 3.1169 (exception name → code).
 * The comments name the exception class the SDK raises for each.
 */
export const RDS_ERROR_CODES = {
  /** DBSnapshotNotFoundFault, 404 */
  dbSnapshotNotFound: 'DBSnapshotNotFound',
  /** DBClusterSnapshotNotFoundFault, 404 (here the code does end in Fault) */
  dbClusterSnapshotNotFound: 'DBClusterSnapshotNotFoundFault',
  /** ExportTaskAlreadyExistsFault, 400 */
  exportTaskAlreadyExists: 'ExportTaskAlreadyExists',
  /** ExportTaskNotFoundFault, 404 */
  exportTaskNotFound: 'ExportTaskNotFound',
  /** InvalidExportSourceStateFault, 400 */
  invalidExportSourceState: 'InvalidExportSourceState',
  /** InvalidExportTaskStateFault, 400 */
  invalidExportTaskState: 'InvalidExportTaskStateFault',
  /** InvalidS3BucketFault, 400 */
  invalidS3Bucket: 'InvalidS3BucketFault',
  /** InvalidExportOnlyFault, 400 */
  invalidExportOnly: 'InvalidExportOnly',
  /** DBInstanceNotFoundFault, 404 */
  dbInstanceNotFound: 'DBInstanceNotFound',
  /** DBInstanceAlreadyExistsFault, 400 */
  dbInstanceAlreadyExists: 'DBInstanceAlreadyExists',
  /** InvalidDBSnapshotStateFault, 400 */
  invalidDBSnapshotState: 'InvalidDBSnapshotState',
  /** InvalidDBInstanceStateFault, 400 */
  invalidDBInstanceState: 'InvalidDBInstanceState',
  /** Unmodelled: RDS's common error for parameters that do not go together (e.g. a delete without final snapshot choice). */
  invalidParameterCombination: 'InvalidParameterCombination',
  /** Unmodelled: RDS's common error for a malformed parameter. */
  invalidParameterValue: 'InvalidParameterValue',
  /** Unmodelled: RDS's common error for a missing required parameter (the SDK does not check required members). */
  missingParameter: 'MissingParameter',
  /** Unmodelled: an Action the stand-in does not answer. */
  invalidAction: 'InvalidAction',
} as const;

/**
 * The code answered when a StartExportTask would exceed the account's concurrent-export quota (5 in STARTING,
 * IN_PROGRESS or CANCELING). ASSUMPTION: the SDK models no quota fault for StartExportTask, so AWS answers an
 * unmodelled error there; its exact code is not documented. Catch it by this constant, not by a literal.
 */
export const EXPORT_LIMIT_ERROR_CODE = 'ExportTaskLimitReached';

export const badParameter = (message: string): RdsStandInError =>
  new RdsStandInError(400, RDS_ERROR_CODES.invalidParameterValue, message);

export const missingParameter = (name: string): RdsStandInError =>
  new RdsStandInError(400, RDS_ERROR_CODES.missingParameter, `The request must contain the parameter ${name}.`);

export const snapshotNotFound = (kind: 'db' | 'cluster', identifier: string): RdsStandInError =>
  kind === 'db'
    ? new RdsStandInError(404, RDS_ERROR_CODES.dbSnapshotNotFound, `DBSnapshot ${identifier} not found.`)
    : new RdsStandInError(404, RDS_ERROR_CODES.dbClusterSnapshotNotFound, `DBClusterSnapshot ${identifier} not found.`);

export const exportTaskNotFound = (identifier: string): RdsStandInError =>
  new RdsStandInError(
    404,
    RDS_ERROR_CODES.exportTaskNotFound,
    `The export task with the ID ${identifier} doesn't exist.`,
  );

export const invalidExportSource = (message: string): RdsStandInError =>
  new RdsStandInError(400, RDS_ERROR_CODES.invalidExportSourceState, message);
