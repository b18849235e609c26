/**
 * Registers each verified export in the Glue Data Catalog, so that Athena can query it the moment it lands. Runs
 * in the central account, fed by an SQS queue of `Vaultpilot Action Result` events (the EventBridge event is the
 * record's body). For an `exported` or `exported-partially` result with a manifest: read the manifest from the
 * archive bucket, read the Parquet footer of the first object of each table (never the data), and create or update
 * each table's history table and, for a complete export, its latest table (glueTables.ts has the rules). Other
 * outcomes and other events are ignored. A record fails (and SQS redelivers it) only when something could not be
 * read or written.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { mapOrdered } from '../../archive/mapOrdered.js';
import { ArchiveObjects } from '../../aws/export/ArchiveObjects.js';
import type { GlueCatalog, TableChange } from '../../aws/export/GlueCatalog.js';
import { ParquetSchemaReader } from '../../aws/export/ParquetSchemaReader.js';
import {
  ACTION_RESULT_DETAIL_TYPE,
  ACTION_RESULT_SOURCE,
  type ActionResultDetail,
  actionResultDetailSchema,
} from '../../core/actions/actionResultEvent.js';
import {
  type ExportManifest,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
} from '../../core/actions/exportManifest.js';
import {
  buildTableInputs,
  exportedTables,
  GLUE_DATABASE,
  type ParquetColumn,
  replacesTable,
  type SkippedTable,
} from '../../core/actions/glueTables.js';
import type { FunctionLogger, SqsEvent, SqsRecord } from '../lambdaEvents.js';
import { processSqsBatch, RecordFailedError, type SqsBatchResult } from '../sqsBatch.js';

/** Footers read at the same time for one export. */
const FOOTER_CONCURRENCY = 8;

export interface TableRegistrarOptions {
  readonly s3: S3Client;
  readonly catalog: GlueCatalog;
  readonly logger: FunctionLogger;
  /** @default GLUE_DATABASE */
  readonly database?: string;
  /** When set, only manifests in this bucket are read (an event naming another bucket fails). */
  readonly archiveBucket?: string;
}

/** What was done with one table of an export. */
export interface RegisteredTable {
  readonly target: string;
  readonly history: { readonly name: string; readonly change: TableChange };
  readonly latest?: { readonly name: string; readonly change: TableChange };
}

/** What became of one record. */
export type RegistrationResult =
  | { readonly status: 'ignored'; readonly reason: string }
  | {
      readonly status: 'registered';
      readonly manifestKey: string;
      readonly exportTaskIdentifier: string;
      readonly tables: readonly RegisteredTable[];
      readonly skipped: readonly SkippedTable[];
      readonly warnings: readonly string[];
    };

const REGISTERED_OUTCOMES = new Set<string>(['exported', 'exported-partially']);

export class TableRegistrar {
  private readonly database: string;
  private databaseReady: Promise<unknown> | undefined;

  constructor(private readonly options: TableRegistrarOptions) {
    this.database = options.database ?? GLUE_DATABASE;
  }

  /** One SQS batch; only the records that failed go back to the queue. Records run one at a time. */
  handleBatch(event: SqsEvent, deadlineMs?: number): Promise<SqsBatchResult<RegistrationResult>> {
    return processSqsBatch(event.Records ?? [], (record) => this.handleRecord(record), {
      logger: this.options.logger,
      concurrency: 1,
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    });
  }

  async handleRecord(record: SqsRecord): Promise<RegistrationResult> {
    const result = await this.handleEvent(parseBody(record.body));
    if (result.status === 'ignored') {
      this.options.logger.debug('record ignored', { messageId: record.messageId, reason: result.reason });
    } else {
      this.options.logger.info('export registered in the Glue Data Catalog', {
        messageId: record.messageId,
        manifestKey: result.manifestKey,
        exportTaskIdentifier: result.exportTaskIdentifier,
        tables: result.tables,
        skipped: result.skipped,
        warnings: result.warnings,
      });
    }
    return result;
  }

  /** One EventBridge event (anything else is ignored). */
  async handleEvent(event: unknown): Promise<RegistrationResult> {
    if (
      !isObject(event) ||
      event.source !== ACTION_RESULT_SOURCE ||
      event['detail-type'] !== ACTION_RESULT_DETAIL_TYPE
    ) {
      return { status: 'ignored', reason: 'not a Vaultpilot Action Result event' };
    }
    const parsed = actionResultDetailSchema.safeParse(event.detail);
    if (!parsed.success) return { status: 'ignored', reason: 'the action result does not match its schema' };
    const detail = parsed.data;
    if (!REGISTERED_OUTCOMES.has(detail.outcome)) {
      return { status: 'ignored', reason: `outcome ${detail.outcome}: nothing was exported` };
    }
    if (!detail.manifestKey || !detail.archiveUri) {
      return { status: 'ignored', reason: `outcome ${detail.outcome} without a manifest key or archive URI` };
    }
    return this.register(detail, detail.manifestKey, detail.archiveUri);
  }

  private async register(detail: ActionResultDetail, manifestKey: string, archiveUri: string) {
    const fields = { manifestKey, archiveUri, recoveryPointArn: detail.recoveryPointArn };
    const bucket = /^s3:\/\/([^/]+)\//.exec(archiveUri)?.[1];
    if (!bucket) throw new RecordFailedError(`the archive URI ${archiveUri} is not s3://bucket/…`, fields);
    if (this.options.archiveBucket && bucket !== this.options.archiveBucket) {
      throw new RecordFailedError(`the archive URI names bucket ${bucket}, not ${this.options.archiveBucket}`, fields);
    }
    if (!manifestKey.startsWith('exports/') || !manifestKey.endsWith(`/${MANIFEST_FILE}`)) {
      throw new RecordFailedError(`${manifestKey} is not an export manifest's key`, fields);
    }
    const manifest = await this.readManifest(bucket, manifestKey, fields);
    if (manifest.source.account !== detail.account) {
      throw new RecordFailedError(
        `the manifest is of account ${manifest.source.account}, the event of account ${detail.account}`,
        fields,
      );
    }

    // One footer per table: the schema of its first object.
    const reader = new ParquetSchemaReader(this.options.s3, bucket);
    const { tables } = exportedTables(manifest);
    const sizes = new Map(manifest.tables.flatMap((t) => t.objects.map((o) => [o.key, o.size] as const)));
    const schemas = new Map<string, readonly ParquetColumn[]>();
    for await (const [target, columns] of mapOrdered(tables, FOOTER_CONCURRENCY, async (t) => {
      const columns = await reader.columns(t.firstObjectKey, sizes.get(t.firstObjectKey) ?? 0);
      return [t.target, columns] as const;
    })) {
      schemas.set(target, columns);
    }

    const { registrations, skipped } = buildTableInputs(manifest, schemas);
    await this.ensureDatabase();
    const registered: RegisteredTable[] = [];
    for (const r of registrations) {
      // Only a newer snapshot changes a table (the columns of the history table, the location of the latest one).
      const history = await this.options.catalog.upsertTable(this.database, r.history, {
        replaces: (current) => replacesTable(r.history.Parameters, current),
      });
      const latest = r.latest
        ? await this.options.catalog.upsertTable(this.database, r.latest, {
            replaces: (current) => replacesTable(r.latest!.Parameters, current),
          })
        : undefined;
      registered.push({
        target: r.table.target,
        history: { name: r.history.Name, change: history },
        ...(r.latest && latest ? { latest: { name: r.latest.Name, change: latest } } : {}),
      });
    }
    return {
      status: 'registered' as const,
      manifestKey,
      exportTaskIdentifier: manifest.export.exportTaskIdentifier,
      tables: registered,
      skipped,
      warnings: registrations.flatMap((r) => r.warnings.map((w) => `${r.table.target}: ${w}`)),
    };
  }

  private async readManifest(bucket: string, key: string, fields: Record<string, unknown>): Promise<ExportManifest> {
    const text = await new ArchiveObjects(this.options.s3, bucket).readText(key);
    if (text === undefined) throw new RecordFailedError(`the manifest s3://${bucket}/${key} does not exist`, fields);
    let manifest: unknown;
    try {
      manifest = JSON.parse(text);
    } catch (error) {
      throw new RecordFailedError(`the manifest s3://${bucket}/${key} is not JSON`, fields, { cause: error });
    }
    if (
      !isObject(manifest) ||
      manifest.format !== MANIFEST_FORMAT ||
      manifest.version !== MANIFEST_VERSION ||
      !isObject(manifest.export) ||
      !isObject(manifest.source) ||
      !Array.isArray(manifest.tables)
    ) {
      throw new RecordFailedError(`s3://${bucket}/${key} is not a version ${MANIFEST_VERSION} export manifest`, fields);
    }
    return manifest as unknown as ExportManifest;
  }

  /** CreateDatabase once per container (again after a failure). */
  private async ensureDatabase(): Promise<void> {
    this.databaseReady ??= this.options.catalog
      .ensureDatabase(this.database, 'Vaultpilot: verified RDS and Aurora exports (Parquet) in the archive bucket')
      .catch((error: unknown) => {
        this.databaseReady = undefined;
        throw error;
      });
    await this.databaseReady;
  }
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
