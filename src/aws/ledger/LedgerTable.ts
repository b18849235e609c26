/**
 * The one way the ledger's stores reach their DynamoDB table: every call names its operation and fails as
 * LedgerWriteError with the SDK error as `cause`; a write whose condition does not hold is an answer
 * (undefined), not an error. Also what every store is built from: the table, the retention and the clock.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { dayPartition, type LedgerKey } from '../../core/ledger/ledgerKeys.js';
import { LedgerWriteError } from './LedgerError.js';

/** How long each item type is kept (days), before DynamoDB's TTL removes it. */
export interface LedgerRetention {
  /** @default 14 — longer than SQS retention, so a redriven duplicate is still recognised. */
  readonly claimDays: number;
  /** @default 35 */
  readonly jobStateDays: number;
  /** @default 400 — a year of daily digests and resource history. */
  readonly historyDays: number;
  /** @default 90 */
  readonly unparsedDays: number;
  /**
   * How long a resource's last good recovery point is kept after it was last renewed. A resource deleted on
   * purpose stops being reported past its RPO after this; one that really lost its backups has been alerted
   * and listed in every digest by then. @default 90
   */
  readonly lastGoodDays: number;
}

export const DEFAULT_RETENTION: LedgerRetention = {
  claimDays: 14,
  jobStateDays: 35,
  historyDays: 400,
  unparsedDays: 90,
  lastGoodDays: 90,
};

/** What every ledger store is built from. */
export interface LedgerStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** @default DEFAULT_RETENTION */
  readonly retention?: Partial<LedgerRetention>;
  /** @default Date.now */
  readonly now?: () => number;
}

type Input<T> = Omit<T, 'TableName'>;

/** Access to the ledger table with the ledger's error wrapping. */
export class LedgerTable {
  private readonly client: DynamoDBDocumentClient;
  readonly name: string;
  readonly retention: LedgerRetention;
  readonly now: () => number;

  constructor(options: LedgerStoreOptions) {
    this.client = options.client;
    this.name = options.tableName;
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.now = options.now ?? Date.now;
  }

  /** Writes `item` under `key` (the key wins over same-named members of the item). */
  async put(operation: string, key: LedgerKey, item: Record<string, unknown>): Promise<void> {
    await this.call(operation, () =>
      this.client.send(new PutCommand({ TableName: this.name, Item: { ...item, ...key } })),
    );
  }

  /** A put with a condition: undefined when the condition does not hold. */
  putIf(operation: string, input: Input<PutCommandInput>): Promise<true | undefined> {
    return this.conditional(operation, async () => {
      await this.client.send(new PutCommand({ ...input, TableName: this.name }));
      return true as const;
    });
  }

  /** An update without a condition. */
  update(operation: string, input: Input<UpdateCommandInput>): Promise<UpdateCommandOutput> {
    return this.call(operation, () => this.client.send(new UpdateCommand({ ...input, TableName: this.name })));
  }

  /** An update with a condition: undefined when the condition does not hold. */
  updateIf(operation: string, input: Input<UpdateCommandInput>): Promise<UpdateCommandOutput | undefined> {
    return this.conditional(operation, () => this.client.send(new UpdateCommand({ ...input, TableName: this.name })));
  }

  /** A delete with a condition: undefined when the condition does not hold. */
  deleteIf(operation: string, input: Input<DeleteCommandInput>): Promise<true | undefined> {
    return this.conditional(operation, async () => {
      await this.client.send(new DeleteCommand({ ...input, TableName: this.name }));
      return true as const;
    });
  }

  /** One item by key, read consistently. */
  async get(operation: string, key: LedgerKey): Promise<Record<string, unknown> | undefined> {
    const out = await this.call(operation, () =>
      this.client.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true })),
    );
    return out.Item;
  }

  /** One page of a query (for queries with a Limit). */
  async query(operation: string, input: Input<QueryCommandInput>): Promise<QueryCommandOutput['Items'] & {}> {
    const out = await this.call(operation, () =>
      this.client.send(new QueryCommand({ ...input, TableName: this.name })),
    );
    return out.Items ?? [];
  }

  /** Every page of a query. */
  async queryAll(
    operation: string,
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call(operation, () =>
        this.client.send(new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey: start })),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Every item of one UTC day's partition whose sort key starts with `prefix` (DAY_PREFIX), oldest first. */
  queryDay(day: string, prefix: string): Promise<Record<string, unknown>[]> {
    return this.queryAll('queryDay', {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': dayPartition(day), ':prefix': prefix },
    });
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new LedgerWriteError(operation, { cause: error });
    }
  }

  private async conditional<T>(operation: string, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw new LedgerWriteError(operation, { cause: error });
    }
  }
}

/** Drops undefined and null members, so optional fields stay optional in what callers read. */
export function compact<T>(record: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== null)) as T;
}
