/** Native database dumps (pg_dump, mariadb-dump) compressed with zstd into a directory or S3, and their restore. */
export { type DumpDatabaseInput, type DumpDatabaseResult, dumpDatabase } from './dumpDatabase.js';
export type { DumpProgressSample } from './dumpProgress.js';
export { DumpError } from './errors.js';
export {
  type RestoreDumpInput,
  type RestoreDumpResult,
  readDumpManifest,
  restoreDump,
  verifyDump,
} from './restoreDump.js';
