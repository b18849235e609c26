/**
 * A real DynamoDB stand-in for tests: dynalite in-process on 127.0.0.1 (port chosen by the OS) with the
 * ledger table created from the deployment contract's key schema.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LEDGER_KEYS } from '../../../src/core/deployment/contract.js';

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

/** A running dynalite server with a document client bound to it. */
export interface LocalLedgerTable {
  readonly endpoint: string;
  readonly client: DynamoDBDocumentClient;
  readonly raw: DynamoDBClient;
  /** Creates a fresh, empty ledger table and returns its name. */
  createTable(name?: string): Promise<string>;
  close(): Promise<void>;
}

let tableCounter = 0;

/** Starts dynalite on an OS-chosen port. */
export async function startLocalLedgerTable(): Promise<LocalLedgerTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const raw = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    client,
    raw,
    async createTable(name = `ledger-${process.pid}-${++tableCounter}`) {
      await raw.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: LEDGER_KEYS.partitionKey, AttributeType: 'S' },
            { AttributeName: LEDGER_KEYS.sortKey, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: LEDGER_KEYS.partitionKey, KeyType: 'HASH' },
            { AttributeName: LEDGER_KEYS.sortKey, KeyType: 'RANGE' },
          ],
        }),
      );
      // dynalite moves a table from CREATING to ACTIVE on a timer; writes before that fail.
      for (;;) {
        const out = await raw.send(new DescribeTableCommand({ TableName: name }));
        if (out.Table?.TableStatus === 'ACTIVE') return name;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close() {
      raw.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
