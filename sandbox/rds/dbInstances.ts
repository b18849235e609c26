/**
 * The DB instances of the RDS stand-in: RestoreDBInstanceFromDBSnapshot, ModifyDBInstance (master password),
 * DescribeDBInstances and DeleteDBInstance. No instance is started: a restored instance IS a copy of the snapshot's
 * source database on the same local server (see localDatabaseCopy.ts), named after the instance, and its Endpoint is
 * that server. Passwords, subnets, security groups, classes and storage are accepted and recorded, not enforced.
 *
 * Status machine, as RDS reports it: `creating` (timing.restoreMs, then the copy) → `available` (or `failed`:
 * failRestore or a copy error); ModifyDBInstance with MasterUserPassword answers `available` with
 * PendingModifiedValues.MasterUserPassword `****`, then `resetting-master-credentials` for timing.modifyMs →
 * `available`; DeleteDBInstance → `deleting` for timing.deleteMs, the copy is dropped, the instance is gone
 * (DBInstanceNotFound).
 */
import type { StandInDatabase } from './exportSource.js';
import { copyLocalDatabase, dropLocalDatabase } from './localDatabaseCopy.js';
import { type QueryParams, XmlList, type XmlNode } from './queryProtocol.js';
import { badParameter, missingParameter, RDS_ERROR_CODES, RdsStandInError } from './rdsStandInErrors.js';

export type DbInstanceStatus =
  | 'creating'
  | 'available'
  | 'resetting-master-credentials'
  | 'modifying'
  | 'deleting'
  | 'failed';

/** What an instance looks like from outside, for tests. */
export interface StandInDbInstanceInfo {
  readonly identifier: string;
  readonly arn: string;
  readonly status: DbInstanceStatus;
  readonly snapshotArn: string;
  readonly engine: string;
  /** The local database holding the copy (also the DBInstance's DBName). */
  readonly database: string;
  readonly endpoint: { readonly address: string; readonly port: number };
  readonly masterUsername: string;
  /** Whether a ModifyDBInstance set MasterUserPassword (never enforced locally). */
  readonly masterPasswordSet: boolean;
  readonly instanceClass: string;
  readonly subnetGroup: string | undefined;
  readonly securityGroupIds: readonly string[];
  readonly publiclyAccessible: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /** Why the instance is `failed`. */
  readonly failureMessage: string | undefined;
}

/** The snapshot facts a restore needs (the stand-in's registry answers them). */
export interface RestorableSnapshot {
  readonly arn: string;
  readonly identifier: string;
  readonly engine: string;
  readonly status: string;
  readonly allocatedStorageGiB: number;
  readonly encrypted: boolean;
  readonly kmsKeyId: string | undefined;
  readonly source: StandInDatabase | undefined;
}

export interface DbInstanceTiming {
  /** How long `creating` lasts before the copy is made. @default 300 */
  readonly restoreMs?: number;
  /** How long `resetting-master-credentials` lasts. @default 100 */
  readonly modifyMs?: number;
  /** How long `deleting` lasts before the copy is dropped. @default 200 */
  readonly deleteMs?: number;
}

interface InstanceRecord {
  readonly identifier: string;
  readonly arn: string;
  readonly snapshot: RestorableSnapshot;
  readonly database: string;
  readonly instanceClass: string;
  readonly subnetGroup: string | undefined;
  readonly securityGroupIds: readonly string[];
  readonly publiclyAccessible: boolean;
  readonly multiAz: boolean;
  readonly storageType: string;
  readonly deletionProtection: boolean;
  readonly iamAuth: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  status: DbInstanceStatus;
  masterPasswordSet: boolean;
  pendingPassword: boolean;
  /** Whether the local copy exists (and must be dropped). */
  copied: boolean;
  failureMessage?: string;
  /** The restore (creating → available/failed); delete waits for it. */
  restored: Promise<void>;
  /** The delete, once started. */
  deleted?: Promise<void>;
  /** Pending waits and how to end them early. */
  readonly timers: Map<NodeJS.Timeout, () => void>;
}

const INSTANCE_ID = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$/;
const INSTANCE_ARN = /^arn:aws[a-z-]*:rds:[^:]+:\d{12}:db:(.+)$/;
/** RDS's own message for a password with a forbidden character. */
const BAD_PASSWORD_CHARS = /[/@" ]/;

export class DbInstances {
  private readonly instances = new Map<string, InstanceRecord>();
  private readonly restoreFaults = new Map<string, string>();
  private readonly restoreMs: number;
  private readonly modifyMs: number;
  private readonly deleteMs: number;
  private closing = false;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    timing: DbInstanceTiming,
    private readonly findSnapshot: (idOrArn: string) => RestorableSnapshot | undefined,
  ) {
    this.restoreMs = timing.restoreMs ?? 300;
    this.modifyMs = timing.modifyMs ?? 100;
    this.deleteMs = timing.deleteMs ?? 200;
  }

  list(): StandInDbInstanceInfo[] {
    return [...this.instances.values()].map((r) => ({
      identifier: r.identifier,
      arn: r.arn,
      status: r.status,
      snapshotArn: r.snapshot.arn,
      engine: r.snapshot.engine,
      database: r.database,
      endpoint: { address: r.snapshot.source?.host ?? '127.0.0.1', port: r.snapshot.source?.port ?? 0 },
      masterUsername: r.snapshot.source?.user ?? '',
      masterPasswordSet: r.masterPasswordSet,
      instanceClass: r.instanceClass,
      subnetGroup: r.subnetGroup,
      securityGroupIds: r.securityGroupIds,
      publiclyAccessible: r.publiclyAccessible,
      tags: r.tags,
      failureMessage: r.failureMessage,
    }));
  }

  /** Every later restore of `snapshotArn` ends `failed` (no copy made); `undefined` clears it. */
  failRestore(snapshotArn: string, message: string | undefined): void {
    if (message === undefined) this.restoreFaults.delete(snapshotArn);
    else this.restoreFaults.set(snapshotArn, message);
  }

  /** Resolves when no instance is creating, resetting or deleting. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.instances.values()].filter(
        (r) => r.status === 'creating' || r.status === 'deleting' || r.status === 'resetting-master-credentials',
      );
      if (busy.length === 0) return;
      await Promise.all(busy.map((r) => r.deleted ?? r.restored));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Drops every local copy still there: the instances vanish with the stand-in. */
  async close(): Promise<void> {
    this.closing = true;
    for (const r of this.instances.values()) {
      for (const [timer, resolve] of r.timers) {
        clearTimeout(timer);
        resolve();
      }
      r.timers.clear();
    }
    await Promise.all([...this.instances.values()].map((r) => r.restored.catch(() => undefined)));
    await Promise.all(
      [...this.instances.values()].map(async (r) => {
        await r.deleted?.catch(() => undefined);
        if (r.copied && r.snapshot.source)
          await dropLocalDatabase(r.snapshot.source, r.database).catch(() => undefined);
        r.copied = false;
      }),
    );
    this.instances.clear();
  }

  run(action: string, params: QueryParams): XmlNode | undefined {
    switch (action) {
      case 'RestoreDBInstanceFromDBSnapshot':
        return { DBInstance: this.instanceXml(this.restore(params)) };
      case 'ModifyDBInstance':
        return { DBInstance: this.modify(params) };
      case 'DescribeDBInstances':
        return this.describe(params);
      case 'DeleteDBInstance':
        return { DBInstance: this.instanceXml(this.delete(params)) };
      default:
        return undefined;
    }
  }

  private arnOf(identifier: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:db:${identifier}`;
  }

  private get(idOrArn: string | undefined): InstanceRecord {
    if (idOrArn === undefined) throw missingParameter('DBInstanceIdentifier');
    const id = (INSTANCE_ARN.exec(idOrArn)?.[1] ?? idOrArn).toLowerCase();
    const record = this.instances.get(id);
    if (!record) throw new RdsStandInError(404, RDS_ERROR_CODES.dbInstanceNotFound, `DBInstance ${id} not found.`);
    return record;
  }

  private restore(params: QueryParams): InstanceRecord {
    const rawId = params.get('DBInstanceIdentifier');
    if (!rawId) throw missingParameter('DBInstanceIdentifier');
    const snapshotId = params.get('DBSnapshotIdentifier');
    // RestoreDBInstanceFromDBSnapshot also takes DBClusterSnapshotIdentifier (Multi-AZ clusters): not modelled.
    if (!snapshotId) throw missingParameter('DBSnapshotIdentifier');
    checkInstanceIdentifier(rawId);
    const identifier = rawId.toLowerCase(); // RDS stores instance identifiers in lowercase
    if (this.instances.has(identifier)) {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.dbInstanceAlreadyExists,
        `DB instance already exists`, // RDS's message for this fault
      );
    }
    const snapshot = this.findSnapshot(snapshotId);
    if (!snapshot) {
      throw new RdsStandInError(404, RDS_ERROR_CODES.dbSnapshotNotFound, `DBSnapshot ${snapshotId} not found.`);
    }
    if (snapshot.status !== 'available') {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.invalidDBSnapshotState,
        `Snapshot ${snapshot.identifier} is not in available state (it is ${snapshot.status}).`,
      );
    }
    const tags: Record<string, string> = {};
    for (let i = 1; ; i++) {
      const key = params.get(`Tags.Tag.${i}.Key`);
      if (key === undefined) break;
      tags[key] = params.get(`Tags.Tag.${i}.Value`) ?? '';
    }
    const record: InstanceRecord = {
      identifier,
      arn: this.arnOf(identifier),
      snapshot,
      database: identifier,
      instanceClass: params.get('DBInstanceClass') ?? 'db.t3.micro',
      subnetGroup: params.get('DBSubnetGroupName'),
      securityGroupIds: params.list('VpcSecurityGroupIds', 'VpcSecurityGroupId'),
      publiclyAccessible: params.get('PubliclyAccessible') === 'true',
      multiAz: params.get('MultiAZ') === 'true',
      storageType: params.get('StorageType') ?? 'gp2',
      deletionProtection: params.get('DeletionProtection') === 'true',
      iamAuth: params.get('EnableIAMDatabaseAuthentication') === 'true',
      tags,
      createdAt: new Date(),
      status: 'creating',
      masterPasswordSet: false,
      pendingPassword: false,
      copied: false,
      restored: Promise.resolve(),
      timers: new Map(),
    };
    this.instances.set(identifier, record);
    record.restored = this.runRestore(record);
    return record;
  }

  private async runRestore(record: InstanceRecord): Promise<void> {
    await this.sleep(record, this.restoreMs);
    if (record.status !== 'creating' || this.closing) return;
    const fault = this.restoreFaults.get(record.snapshot.arn);
    const source = record.snapshot.source;
    if (fault !== undefined || !source) {
      record.status = 'failed';
      record.failureMessage =
        fault ?? `The stand-in has no source database for snapshot ${record.snapshot.identifier}; nothing to restore.`;
      return;
    }
    try {
      await copyLocalDatabase(source, record.database);
      record.copied = true;
      if (record.status === 'creating') record.status = 'available';
    } catch (error) {
      if (record.status === 'creating') record.status = 'failed';
      record.failureMessage = error instanceof Error ? error.message : String(error);
    }
  }

  private modify(params: QueryParams): XmlNode {
    const record = this.get(params.get('DBInstanceIdentifier'));
    if (record.status !== 'available') {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.invalidDBInstanceState,
        `Database instance is not in available state.`, // RDS's message
      );
    }
    const password = params.get('MasterUserPassword');
    if (password !== undefined) {
      checkPassword(password, record.snapshot.engine);
      // ApplyImmediately is accepted either way: RDS applies a master password change at once regardless.
      record.pendingPassword = true;
    }
    const answer = this.instanceXml(record);
    if (password !== undefined) {
      record.status = 'resetting-master-credentials';
      void this.sleep(record, this.modifyMs).then(() => {
        if (record.status !== 'resetting-master-credentials') return;
        record.status = 'available';
        record.pendingPassword = false;
        record.masterPasswordSet = true;
      });
    }
    return answer;
  }

  private describe(params: QueryParams): XmlNode {
    const id = params.get('DBInstanceIdentifier');
    let records = id === undefined ? [...this.instances.values()] : [this.get(id)];
    for (const filter of params.filters()) {
      if (filter.name !== 'db-instance-id') throw badParameter(`Unrecognized filter name: ${filter.name}.`);
      records = records.filter((r) => filter.values.some((v) => v.toLowerCase() === r.identifier || v === r.arn));
    }
    const rawMax = params.get('MaxRecords');
    const max = rawMax === undefined ? 100 : Number(rawMax);
    if (!Number.isInteger(max) || max < 20 || max > 100) {
      throw badParameter(`MaxRecords must be from 20 to 100, not ${rawMax}.`);
    }
    const rawMarker = params.get('Marker');
    const start = rawMarker === undefined ? 0 : Number(Buffer.from(rawMarker, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw badParameter('The marker is not valid.');
    const items = records.slice(start, start + max);
    const next = start + items.length;
    return {
      Marker: next < records.length ? Buffer.from(String(next)).toString('base64url') : undefined,
      DBInstances: new XmlList(
        'DBInstance',
        items.map((r) => this.instanceXml(r)),
      ),
    };
  }

  private delete(params: QueryParams): InstanceRecord {
    const record = this.get(params.get('DBInstanceIdentifier'));
    if (record.status === 'deleting') {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.invalidDBInstanceState,
        `Instance ${record.identifier} is already being deleted.`,
      );
    }
    if (record.deletionProtection) {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.invalidParameterCombination,
        'Cannot delete protected DB Instance, please disable deletion protection and try again.',
      );
    }
    const skip = params.get('SkipFinalSnapshot') === 'true';
    const finalSnapshot = params.get('FinalDBSnapshotIdentifier');
    if (!skip && finalSnapshot === undefined) {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.invalidParameterCombination,
        'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
      );
    }
    if (skip && finalSnapshot !== undefined) {
      throw new RdsStandInError(
        400,
        RDS_ERROR_CODES.invalidParameterCombination,
        'Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier.',
      );
    }
    if (!skip) throw badParameter('The stand-in does not take final snapshots; use SkipFinalSnapshot.');
    // DeleteAutomatedBackups is accepted: a restored instance has no automated backups locally.
    record.status = 'deleting';
    record.deleted = (async () => {
      await record.restored.catch(() => undefined);
      await this.sleep(record, this.deleteMs);
      if (record.copied && record.snapshot.source) {
        await dropLocalDatabase(record.snapshot.source, record.database);
        record.copied = false;
      }
      if (this.instances.get(record.identifier) === record) this.instances.delete(record.identifier);
    })().catch((error: unknown) => {
      // The instance stays `deleting` (RDS would retry); the test sees it in instances().
      record.failureMessage = `drop failed: ${error instanceof Error ? error.message : String(error)}`;
    });
    return record;
  }

  /** Waits `ms`; close() cuts every wait short. */
  private sleep(record: InstanceRecord, ms: number): Promise<void> {
    if (ms <= 0 || this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        record.timers.delete(timer);
        resolve();
      }, ms);
      record.timers.set(timer, resolve);
    });
  }

  private instanceXml(r: InstanceRecord): XmlNode {
    const source = r.snapshot.source;
    const hasEndpoint = r.status !== 'creating' && r.status !== 'failed' && source !== undefined;
    return {
      DBInstanceIdentifier: r.identifier,
      DBInstanceClass: r.instanceClass,
      Engine: r.snapshot.engine,
      DBInstanceStatus: r.status,
      MasterUsername: source?.user,
      DBName: r.database,
      Endpoint: hasEndpoint ? { Address: source.host, Port: source.port } : undefined,
      AllocatedStorage: r.snapshot.allocatedStorageGiB,
      InstanceCreateTime: r.status === 'creating' ? undefined : r.createdAt,
      VpcSecurityGroups: new XmlList(
        'VpcSecurityGroupMembership',
        r.securityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      ),
      DBSubnetGroup: r.subnetGroup === undefined ? undefined : { DBSubnetGroupName: r.subnetGroup },
      PendingModifiedValues: r.pendingPassword ? { MasterUserPassword: '****' } : {},
      MultiAZ: r.multiAz,
      PubliclyAccessible: r.publiclyAccessible,
      StorageType: r.storageType,
      StorageEncrypted: r.snapshot.encrypted,
      KmsKeyId: r.snapshot.kmsKeyId,
      DBInstanceArn: r.arn,
      IAMDatabaseAuthenticationEnabled: r.iamAuth,
      DeletionProtection: r.deletionProtection,
      TagList: new XmlList(
        'Tag',
        Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
      ),
    };
  }
}

/** RDS's DB instance identifier rule: 1–63 letters, digits, hyphens; a letter first; no `--`, no trailing `-`. */
function checkInstanceIdentifier(id: string): void {
  if (id.length > 63 || !INSTANCE_ID.test(id) || id.endsWith('-')) {
    throw badParameter(
      'The parameter DBInstanceIdentifier is not a valid identifier. Identifiers must begin with a letter; ' +
        'must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two ' +
        'consecutive hyphens.',
    );
  }
}

/** RDS's MasterUserPassword rule: printable ASCII except / @ " and space; 8–41 (MySQL/MariaDB) or 8–128 characters. */
function checkPassword(password: string, engine: string): void {
  const max = /mysql|mariadb/.test(engine) ? 41 : 128;
  if (!/^[\x20-\x7e]*$/.test(password) || BAD_PASSWORD_CHARS.test(password)) {
    throw badParameter(
      `The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '"', ' ' may be used.`,
    );
  }
  if (password.length < 8) {
    throw badParameter(
      'The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.',
    );
  }
  if (password.length > max) {
    throw badParameter(
      `The parameter MasterUserPassword is not a valid password because it is longer than ${max} characters.`,
    );
  }
}
