/**
 * The Glue Data Catalog calls of table registration: make sure the database exists, create a table or update it
 * in place. Errors are named like the other adapters' (awsErrors.ts): throttling, 5xx, network failures and a
 * concurrent update of the same table become TransientAwsError (the SQS record is redelivered); anything else
 * Glue refuses (permissions, invalid input, a missing database) becomes GlueCatalogRefused.
 */
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetTableCommand,
  type GlueClient,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { ACTION_ERRORS, ActionError } from '../../core/actions/exportWorkflow.js';
import type { GlueTableInput } from '../../core/actions/glueTables.js';
import { retryReason } from '../retry/retryableError.js';
import { errorMessage, errorName } from './awsErrors.js';

/** Glue refused a call for a reason repeating it will not change. */
export const GLUE_CATALOG_REFUSED = 'GlueCatalogRefused';

export class GlueCatalogError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = GLUE_CATALOG_REFUSED;
  }
}

/** Glue's answers that are worth repeating besides the generic ones. */
const TRANSIENT_GLUE = new Set(['ConcurrentModificationException', 'OperationTimeoutException']);

/** A TransientAwsError when `error` is worth repeating, else a GlueCatalogError, always keeping the cause. */
export function glueErrorOf(error: unknown, doing: string): Error {
  if (error instanceof ActionError || error instanceof GlueCatalogError) return error;
  const reason = retryReason(error) ?? (TRANSIENT_GLUE.has(errorName(error)) ? 'conflict' : undefined);
  if (reason) {
    return new ActionError(
      ACTION_ERRORS.transient,
      `${doing}: ${errorName(error)} (${reason}): ${errorMessage(error)}`,
      { cause: error },
    );
  }
  return new GlueCatalogError(`${doing}: ${errorName(error)}: ${errorMessage(error)}`, { cause: error });
}

/** What became of one table. */
export type TableChange = 'created' | 'updated' | 'kept';

export interface UpsertOptions {
  /**
   * Whether the table may replace the one in the catalog, given that one's parameters. @default always
   */
  readonly replaces?: (current: Readonly<Record<string, string>>) => boolean;
}

export class GlueCatalog {
  constructor(
    private readonly glue: GlueClient,
    /** The Data Catalog (account id); the caller's own when undefined. */
    private readonly catalogId?: string,
  ) {}

  private get catalog(): { CatalogId?: string } {
    return this.catalogId ? { CatalogId: this.catalogId } : {};
  }

  /** Creates the database unless it exists; true when it was created. */
  async ensureDatabase(name: string, description: string): Promise<boolean> {
    try {
      await this.glue.send(
        new CreateDatabaseCommand({
          ...this.catalog,
          DatabaseInput: {
            Name: name,
            Description: description,
            Parameters: { 'vaultpilot.managed_by': 'vaultpilot' },
          },
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'AlreadyExistsException') return false;
      throw glueErrorOf(error, `creating the Glue database ${name}`);
    }
  }

  /**
   * Creates the table, or when it exists, updates it if `replaces` accepts the current one. Optimistic: the update
   * names the version it read, so a concurrent update makes this one fail (transient) rather than be lost.
   */
  async upsertTable(database: string, table: GlueTableInput, options: UpsertOptions = {}): Promise<TableChange> {
    const where = `${database}.${table.Name}`;
    try {
      await this.glue.send(new CreateTableCommand({ ...this.catalog, DatabaseName: database, TableInput: table }));
      return 'created';
    } catch (error) {
      if (errorName(error) !== 'AlreadyExistsException') throw glueErrorOf(error, `creating the Glue table ${where}`);
    }
    let current: { Parameters?: Record<string, string>; VersionId?: string } | undefined;
    try {
      current = (
        await this.glue.send(new GetTableCommand({ ...this.catalog, DatabaseName: database, Name: table.Name }))
      ).Table;
    } catch (error) {
      // Deleted between CreateTable and GetTable: the next attempt creates it.
      if (errorName(error) === 'EntityNotFoundException') {
        throw new ActionError(ACTION_ERRORS.transient, `the Glue table ${where} vanished while being updated`, {
          cause: error,
        });
      }
      throw glueErrorOf(error, `reading the Glue table ${where}`);
    }
    if (options.replaces && !options.replaces(current?.Parameters ?? {})) return 'kept';
    try {
      await this.glue.send(
        new UpdateTableCommand({
          ...this.catalog,
          DatabaseName: database,
          TableInput: table,
          ...(current?.VersionId ? { VersionId: current.VersionId } : {}),
        }),
      );
      return 'updated';
    } catch (error) {
      throw glueErrorOf(error, `updating the Glue table ${where}`);
    }
  }
}
