/** The file-archive engine's public surface: tar + zstd archives of directories and ext images, with a listing. */
export {
  archiveFiles,
  type FileArchiveManifest,
  type FileArchiveOptions,
  type FileArchiveProgress,
  type FileArchiveResult,
  FileArchiveSourceError,
  type FileArchiveTools,
  TAR_FLAGS,
} from './archiveFiles.js';
export * from './fileListing.js';
export { TarStreamParser } from './TarStreamParser.js';
export {
  type FileVerifyOptions,
  type FileVerifyReport,
  isFileArchive,
  readFileManifest,
  verifyFileArchive,
} from './verifyFileArchive.js';
