/** The block-archive engine's public surface, for the CLI, the worker and the AWS adapters. */
export { ArchiveReader } from './ArchiveReader.js';
export * from './errors.js';
export { type ExportOptions, type ExportResult, exportArchive, type Progress, shardRange } from './exportArchive.js';
export { FileRestoreTarget } from './FileRestoreTarget.js';
export * from './format.js';
export { LocalDirectoryStore } from './LocalDirectoryStore.js';
export { LocalFileSource } from './LocalFileSource.js';
export { mergeShards } from './mergeShards.js';
export * from './ports.js';
export {
  type OpenStore,
  openChain,
  type RestoreResult,
  restoreArchive,
  type VerifyReport,
  verifyArchive,
} from './restoreArchive.js';
