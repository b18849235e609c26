/**
 * The restore path of the RDS stand-in against the REAL RDSClient and the machine's PostgreSQL (127.0.0.1:5432, root,
 * trust) and MariaDB (127.0.0.1:3306, root, no password): a snapshot backed by a seeded database is "restored" into a
 * copy on the same server, reachable at the instance's Endpoint, then deleted again.
 */
import {
  type DBInstance,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  type RestoreDBInstanceFromDBSnapshotCommandInput,
} from '@aws-sdk/client-rds';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MARIADB_SERVER,
  POSTGRES_SERVER,
  type SeededDatabase,
  seedMariaDb,
  seedPostgres,
} from '../../sandbox/actions/seedDatabase.js';
import { dropLocalDatabase, localDatabaseExists } from '../../sandbox/rds/localDatabaseCopy.js';
import { type RdsStandIn, type StandInDatabase, startRdsStandIn } from '../../sandbox/rds/startRdsStandIn.js';

const PID = process.pid;
const PG_SOURCE = `vp_rr_pg_${PID}`;
const MY_SOURCE = `vp_rr_my_${PID}`;
const pgServer: StandInDatabase = { engine: 'postgres', ...POSTGRES_SERVER, database: PG_SOURCE };
const myServer: StandInDatabase = { engine: 'mariadb', ...MARIADB_SERVER, database: MY_SOURCE };

let rds: RdsStandIn;
let client: RDSClient;
let pgSeed: SeededDatabase;
let mySeed: SeededDatabase;
let pgSnapshot: string;
let mySnapshot: string;
let counter = 0;
/** Every instance identifier used, so that afterAll drops any copy a failing test left behind. */
const used: { id: string; server: StandInDatabase }[] = [];
const instanceId = (base: string, server: StandInDatabase = pgServer) => {
  const id = `vp-rr-${PID}-${base}-${++counter}`;
  used.push({ id, server });
  return id;
};

beforeAll(async () => {
  [pgSeed, mySeed] = await Promise.all([
    seedPostgres(PG_SOURCE, { orders: 300, customers: 40, auditEvents: 15 }),
    seedMariaDb(MY_SOURCE, { products: 120, warehouses: 2 }),
  ]);
  rds = await startRdsStandIn({ timing: { restoreMs: 50, modifyMs: 80, deleteMs: 50 } });
  client = new RDSClient({
    endpoint: rds.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  pgSnapshot = rds.addSnapshot({
    kind: 'db',
    identifier: `awsbackup:job-pg-${PID}`,
    sourceIdentifier: 'orders-db',
    engine: 'postgres',
    source: pgServer,
  });
  mySnapshot = rds.addSnapshot({
    kind: 'db',
    identifier: `awsbackup:job-my-${PID}`,
    sourceIdentifier: 'shop-db',
    engine: 'mariadb',
    source: myServer,
  });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await rds?.close();
  await Promise.all(used.map(({ id, server }) => dropLocalDatabase(server, id).catch(() => undefined)));
  await Promise.all([pgSeed?.drop(), mySeed?.drop()]);
}, 60_000);

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

function restoreInput(id: string, snapshot: string): RestoreDBInstanceFromDBSnapshotCommandInput {
  return {
    DBInstanceIdentifier: id,
    DBSnapshotIdentifier: snapshot,
    DBInstanceClass: 'db.t4g.micro',
    DBSubnetGroupName: 'vaultpilot-isolated',
    VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
    PubliclyAccessible: false,
    MultiAZ: false,
    StorageType: 'gp3',
    DeletionProtection: false,
    EnableIAMDatabaseAuthentication: false,
    Tags: [{ Key: 'vaultpilot:purpose', Value: 'dump' }],
  };
}

async function describeOne(id: string): Promise<DBInstance> {
  const { DBInstances } = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  expect(DBInstances).toHaveLength(1);
  return DBInstances![0]!;
}

async function waitForStatus(id: string, status: string, timeoutMs = 30_000): Promise<DBInstance> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const instance = await describeOne(id);
    if (instance.DBInstanceStatus === status) return instance;
    if (Date.now() > deadline) throw new Error(`${id} is ${instance.DBInstanceStatus}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function waitForGone(id: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const error = await errorOf(describeOne(id)).catch(() => undefined);
    if (error?.name === 'DBInstanceNotFoundFault') return;
    if (Date.now() > deadline) throw new Error(`${id} is still there`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function postgresCounts(database: string, address: string, port: number, user: string) {
  const c = new pg.Client({ host: address, port, user, database });
  await c.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of Object.keys(pgSeed.rows)) {
      const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      counts[table] = Number(r.rows[0]!.n);
    }
    return counts;
  } finally {
    await c.end();
  }
}

async function mariaDbCounts(database: string, address: string, port: number, user: string) {
  const c = await mysql.createConnection({ host: address, port, user, password: '', database });
  try {
    const counts: Record<string, number> = {};
    for (const table of Object.keys(mySeed.rows)) {
      const [rows] = await c.query(`SELECT count(*) AS n FROM \`${table}\``);
      counts[table] = Number((rows as { n: number }[])[0]!.n);
    }
    return counts;
  } finally {
    await c.end();
  }
}

async function deleteAndWait(id: string): Promise<void> {
  const { DBInstance } = await client.send(
    new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }),
  );
  expect(DBInstance?.DBInstanceStatus).toBe('deleting');
  await waitForGone(id);
}

describe('a PostgreSQL snapshot', () => {
  it('restores into a copy at the endpoint, takes a new master password, and deletes to nothing', async () => {
    const id = instanceId('pg');
    const { DBInstance } = await client.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput(id, pgSnapshot)));
    expect(DBInstance).toMatchObject({
      DBInstanceIdentifier: id,
      DBInstanceStatus: 'creating',
      Engine: 'postgres',
      DBInstanceClass: 'db.t4g.micro',
      DBSubnetGroup: { DBSubnetGroupName: 'vaultpilot-isolated' },
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0123456789abcdef0', Status: 'active' }],
      PubliclyAccessible: false,
      StorageType: 'gp3',
      TagList: [{ Key: 'vaultpilot:purpose', Value: 'dump' }],
      DBInstanceArn: `arn:aws:rds:eu-west-1:111122223333:db:${id}`,
    });
    expect(DBInstance?.Endpoint).toBeUndefined();

    const available = await waitForStatus(id, 'available');
    expect(available.Endpoint).toMatchObject({ Address: '127.0.0.1', Port: 5432 });
    expect(available.MasterUsername).toBe('root');
    expect(available.DBName).toBe(id);
    expect(await localDatabaseExists(pgServer, id)).toBe(true);
    const counts = await postgresCounts(available.DBName!, '127.0.0.1', 5432, available.MasterUsername!);
    expect(counts).toEqual(pgSeed.rows);

    // A password with a character RDS forbids is refused; a good one resets the credentials.
    const bad = await errorOf(
      client.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: 'has@sign1' })),
    );
    expect(bad.name).toBe('InvalidParameterValue');
    const short = await errorOf(
      client.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: 'short' })),
    );
    expect(short.name).toBe('InvalidParameterValue');
    const modified = await client.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: id,
        MasterUserPassword: 'S3cret-Pa55word',
        ApplyImmediately: true,
      }),
    );
    expect(modified.DBInstance?.DBInstanceStatus).toBe('available');
    expect(modified.DBInstance?.PendingModifiedValues?.MasterUserPassword).toBe('****');
    expect((await describeOne(id)).DBInstanceStatus).toBe('resetting-master-credentials');
    const reset = await waitForStatus(id, 'available');
    expect(reset.PendingModifiedValues?.MasterUserPassword).toBeUndefined();
    expect(rds.instances().find((i) => i.identifier === id)?.masterPasswordSet).toBe(true);

    // A final snapshot must be chosen, or skipped.
    const noChoice = await errorOf(client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id })));
    expect(noChoice.name).toBe('InvalidParameterCombination');
    await deleteAndWait(id);
    expect(await localDatabaseExists(pgServer, id)).toBe(false);
    expect(rds.instances().some((i) => i.identifier === id)).toBe(false);
  }, 60_000);

  it('restores while another session holds the source open (pg_dump | psql instead of TEMPLATE)', async () => {
    const holder = new pg.Client({ ...POSTGRES_SERVER, database: PG_SOURCE });
    await holder.connect();
    try {
      const id = instanceId('pg-busy');
      await client.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput(id, pgSnapshot)));
      const available = await waitForStatus(id, 'available');
      expect(await postgresCounts(available.DBName!, '127.0.0.1', 5432, 'root')).toEqual(pgSeed.rows);
      // The holder's session was not terminated.
      await holder.query('SELECT 1');
      await deleteAndWait(id);
      expect(await localDatabaseExists(pgServer, id)).toBe(false);
    } finally {
      await holder.end();
    }
  }, 60_000);
});

describe('a MariaDB snapshot', () => {
  it('restores by its short identifier into a copy at the endpoint and deletes to nothing', async () => {
    const id = instanceId('my', myServer);
    await client.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput(id, `awsbackup:job-my-${PID}`)));
    const available = await waitForStatus(id, 'available');
    expect(available).toMatchObject({ Engine: 'mariadb', MasterUsername: 'root', DBName: id });
    expect(available.Endpoint).toMatchObject({ Address: '127.0.0.1', Port: 3306 });
    expect(await mariaDbCounts(id, '127.0.0.1', 3306, 'root')).toEqual(mySeed.rows);

    await client.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: 'An0ther-Secret' }));
    await waitForStatus(id, 'available');
    const tooLong = await errorOf(
      client.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: 'x'.repeat(42) })),
    );
    expect(tooLong.name).toBe('InvalidParameterValue');

    await deleteAndWait(id);
    expect(await localDatabaseExists(myServer, id)).toBe(false);
  }, 60_000);
});

describe('failure paths', () => {
  it('answers RDS errors for bad restores', async () => {
    const id = instanceId('dup');
    await client.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput(id, pgSnapshot)));
    // ModifyDBInstance while creating
    const early = await errorOf(
      client.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: 'S3cret-Pa55word' })),
    );
    expect(early.name).toBe('InvalidDBInstanceStateFault');
    const again = await errorOf(
      client.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput(id.toUpperCase(), mySnapshot))),
    );
    expect(again.name).toBe('DBInstanceAlreadyExistsFault');

    const missing = await errorOf(
      client.send(
        new RestoreDBInstanceFromDBSnapshotCommand(
          restoreInput(instanceId('x'), 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-nope'),
        ),
      ),
    );
    expect(missing.name).toBe('DBSnapshotNotFoundFault');
    const creating = rds.addSnapshot({
      kind: 'db',
      identifier: `awsbackup:job-creating-${PID}`,
      sourceIdentifier: 'orders-db',
      engine: 'postgres',
      status: 'creating',
      source: pgServer,
    });
    const notReady = await errorOf(
      client.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput(instanceId('x'), creating))),
    );
    expect(notReady.name).toBe('InvalidDBSnapshotStateFault');
    const badId = await errorOf(
      client.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput('1-starts-with-digit', pgSnapshot))),
    );
    expect(badId.name).toBe('InvalidParameterValue');

    const unknown = await errorOf(client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'vp-nope' })));
    expect(unknown.name).toBe('DBInstanceNotFoundFault');
    const unknownDelete = await errorOf(
      client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'vp-nope', SkipFinalSnapshot: true })),
    );
    expect(unknownDelete.name).toBe('DBInstanceNotFoundFault');

    // Deleting while still creating: the copy (if made) is dropped as well.
    await deleteAndWait(id);
    expect(await localDatabaseExists(pgServer, id)).toBe(false);
  }, 60_000);

  it('failRestore turns the instance failed with no copy; it can still be deleted', async () => {
    rds.failRestore(pgSnapshot, 'The snapshot could not be restored (injected).');
    try {
      const id = instanceId('failed');
      await client.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput(id, pgSnapshot)));
      const failed = await waitForStatus(id, 'failed');
      expect(failed.Endpoint).toBeUndefined();
      expect(rds.instances().find((i) => i.identifier === id)?.failureMessage).toBe(
        'The snapshot could not be restored (injected).',
      );
      expect(await localDatabaseExists(pgServer, id)).toBe(false);
      await deleteAndWait(id);
    } finally {
      rds.failRestore(pgSnapshot, undefined);
    }
  }, 60_000);

  it('DeletionProtection refuses the delete', async () => {
    const id = instanceId('protected');
    await client.send(
      new RestoreDBInstanceFromDBSnapshotCommand({ ...restoreInput(id, pgSnapshot), DeletionProtection: true }),
    );
    const refused = await errorOf(
      client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true })),
    );
    expect(refused.name).toBe('InvalidParameterCombination');
    await waitForStatus(id, 'available');
    // close() of its stand-in drops it (see below); here the main stand-in's afterAll does.
  }, 60_000);

  it('injectError answers the next call with the given error', async () => {
    rds.injectError('RestoreDBInstanceFromDBSnapshot', { code: 'InsufficientDBInstanceCapacity', status: 400 });
    const error = await errorOf(
      client.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput(instanceId('inj'), pgSnapshot))),
    );
    expect(error.name).toBe('InsufficientDBInstanceCapacityFault');
  });
});

describe('close()', () => {
  it('drops the copies of instances that were never deleted', async () => {
    const other = await startRdsStandIn({ timing: { restoreMs: 10 } });
    const otherClient = new RDSClient({
      endpoint: other.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const arn = other.addSnapshot({
      kind: 'db',
      identifier: 'manual-close',
      sourceIdentifier: 'shop-db',
      engine: 'mariadb',
      source: myServer,
    });
    const id = instanceId('close', myServer);
    await otherClient.send(new RestoreDBInstanceFromDBSnapshotCommand(restoreInput(id, arn)));
    await other.instancesIdle();
    expect(other.instances()[0]?.status).toBe('available');
    expect(await localDatabaseExists(myServer, id)).toBe(true);
    otherClient.destroy();
    await other.close();
    expect(await localDatabaseExists(myServer, id)).toBe(false);
  }, 60_000);
});
