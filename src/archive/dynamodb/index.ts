/** The DynamoDB export conversion: exports to typed, lossless Parquet and back (docs/dynamodb.md). */
export { type ConvertLocation, LocalConvertLocation, type LocalCopy, type StagedFile } from './ConvertLocation.js';
export {
  backDataName,
  type ConvertBackOptions,
  type ConvertBackResult,
  convertParquetToDynamoDb,
} from './convertBack.js';
export {
  type ConvertExportOptions,
  type ConvertExportResult,
  type ConvertProgress,
  convertDynamoDbExport,
  resolveExportFolder,
} from './convertExport.js';
export {
  assignBatches,
  type BatchResult,
  CONVERSION_WORK_FOLDER,
  type ConversionPlanSummary,
  chooseColumns,
  convertBatch,
  type FinishResult,
  finishConversion,
  planConversion,
  scanBatch,
} from './convertInBatches.js';
export type { DuckDbSettings } from './duckdbPool.js';
export { DataFileMismatchError, DynamoConversionError } from './errors.js';
