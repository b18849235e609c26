/**
 * `vaultpilot demo`: the backup actions end to end on this machine. Seeds small databases on the local
 * PostgreSQL and MariaDB, starts the stand-ins (S3, RDS with real Parquet exports, AWS Backup, EventBridge,
 * DynamoDB), sends the real trigger events to the real starter, runs the synthesized export workflow locally,
 * reads the Parquet back with DuckDB, renders each result as the notification people would get, and drops the
 * databases again (also on Ctrl-C and on failure).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import {
  LOCAL_ACCOUNT as ACCOUNT,
  type LocalActions,
  type LocalExecution,
  LOCAL_REGION as REGION,
  startLocalActions,
} from '../../../sandbox/actions/localActions.js';
import { backupJobCompletedEvent, rdsSnapshotEvent } from '../../../sandbox/actions/scenarioEvents.js';
import {
  dropMariaDb,
  dropPostgres,
  MARIADB_SERVER,
  mariaDbReachable,
  POSTGRES_SERVER,
  postgresReachable,
  type SeededDatabase,
  seedMariaDb,
  seedPostgres,
} from '../../../sandbox/actions/seedDatabase.js';
import { quotePgIdent } from '../../archive/dump/dumpPostgres.js';
import { dumpDatabase, restoreDump } from '../../archive/dump/index.js';
import { FileRestoreTarget, LocalDirectoryStore, restoreArchive } from '../../archive/index.js';
import { ACTION_RESULT_DETAIL_TYPE, type ActionResultDetail } from '../../core/actions/actionResultEvent.js';
import type { ExportManifest } from '../../core/actions/exportManifest.js';
import { EXPORT_STATES } from '../../core/actions/exportWorkflow.js';
import type { ActionsConfig } from '../../core/config/actionsSchema.js';
import { parseDatabaseUrl } from '../../core/dump/databaseUrl.js';
import { normalizeInput } from '../../core/normalize/normalizeInput.js';
import { renderSignal } from '../../core/render/renderSignal.js';
import { type CliContext, CliError } from '../CliContext.js';
import { EXIT } from '../exitCodes.js';
import { packageRoot } from '../packageRoot.js';
import { formatBytes } from '../progressBar.js';
import { DemoProgress } from './demoProgress.js';

/** The databases the demo creates (and drops). */
export const DEMO_DATABASES = {
  postgres: 'vaultpilot_demo_shop',
  mariadb: 'vaultpilot_demo_inventory',
  /** Where the native dump of the PostgreSQL database is restored (and dropped again). */
  postgresRestored: 'vaultpilot_demo_shop_restored',
} as const;
/** How much data the demo seeds. */
export const DEMO_SEED = {
  postgres: { customers: 500, orders: 20_000, auditEvents: 300 },
  mariadb: { products: 1_000, warehouses: 3 },
} as const;

export interface DemoOptions {
  readonly actions: ActionsConfig;
  /** Where the actions configuration came from, for the output. */
  readonly configName: string;
  /** Servers to run without, as if they were not reachable (`--without`). */
  readonly without?: readonly DemoServer[];
  /** When the command started (Date.now()), for the wall time. @default when runDemo is called */
  readonly startedAt?: number;
}

export const DEMO_SERVERS = ['postgres', 'mariadb'] as const;
export type DemoServer = (typeof DEMO_SERVERS)[number];
type Server = DemoServer;
const SERVER_NAMES: Record<Server, string> = { postgres: 'PostgreSQL', mariadb: 'MariaDB' };
const HOW_TO_START: Record<Server, string> = {
  postgres:
    `start it (e.g. \`sudo service postgresql start\`, or \`docker run -d -p 5432:5432 -e POSTGRES_USER=root ` +
    `-e POSTGRES_HOST_AUTH_METHOD=trust postgres:16\`); the demo connects as user ${POSTGRES_SERVER.user} without a password`,
  mariadb:
    `start it (e.g. \`sudo service mariadb start\`, or \`docker run -d -p 3306:3306 ` +
    `-e MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 mariadb:11\`); the demo connects as ${MARIADB_SERVER.user} with an empty password`,
};
const POLL_LOOP = new Set<string>([
  EXPORT_STATES.waitForExport,
  EXPORT_STATES.checkExport,
  EXPORT_STATES.exportFinished,
  EXPORT_STATES.waitForRestore,
  EXPORT_STATES.checkRestore,
  EXPORT_STATES.restoreFinished,
  EXPORT_STATES.waitForTableExport,
  EXPORT_STATES.checkTableExport,
  EXPORT_STATES.tableExportFinished,
  EXPORT_STATES.scanBatch,
  EXPORT_STATES.convertBatch,
]);
/** States shown once with how often they ran: the polls, and the Map iterations (one per batch of data files). */
const COUNTED = new Set<string>([
  EXPORT_STATES.waitForExport,
  EXPORT_STATES.waitForRestore,
  EXPORT_STATES.waitForTableExport,
  EXPORT_STATES.scanBatch,
  EXPORT_STATES.convertBatch,
]);
/** The DynamoDB table of the demo: items of every type, nested, in a few data files converted as batches. */
export const DEMO_DYNAMODB = {
  table: 'orders-table',
  items: 3_000,
  itemsPerDataFile: 600,
  batchBytes: 48 * 1024,
} as const;
const FINAL_STATES = new Set<string>([EXPORT_STATES.done, EXPORT_STATES.failed, EXPORT_STATES.notExportable]);
const FAILURE_CAUSE =
  `The IAM role arn:aws:iam::${ACCOUNT}:role/vaultpilot-rds-export is not authorized to perform s3:PutObject ` +
  'on the S3 bucket vaultpilot-archive-local (AccessDenied). Check the role policy and the bucket policy.';

/** One export of the scenario. */
interface DemoExport {
  readonly label: string;
  readonly what: string;
  readonly expected: 'exported' | 'failed';
  readonly arn: string;
  readonly trigger: unknown;
  readonly triggerName: string;
}

interface ExportRun {
  readonly spec: DemoExport;
  readonly execution: LocalExecution;
  readonly result?: ActionResultDetail;
  readonly tables: readonly TableRead[];
  readonly sample?: { readonly table: string; readonly row: Record<string, unknown> };
  readonly parquetBytes: number;
  /** EBS: the block archive restored and compared with the snapshot's image. */
  readonly restored?: {
    readonly bytes: number;
    readonly equal: boolean;
    readonly storedBytes: number;
    readonly dataBlocks: number;
    readonly chainDepth: number;
  };
}

interface TableRead {
  readonly target: string;
  readonly rows: number;
  readonly bytes: number;
  readonly files: number;
}

/** Runs the demo; throws CliError (exit 1) when neither database server is reachable. */
export async function runDemo(ctx: CliContext, options: DemoOptions): Promise<void> {
  const started = options.startedAt ?? Date.now();
  const out = ctx.stdout;
  out.write(`Vaultpilot demo: the backup actions of ${options.configName} (actions section), run on this machine\n\n`);

  // 1. The database servers.
  const leftOut = (server: Server) =>
    options.without?.includes(server) ? Promise.resolve('left out with --without') : undefined;
  const [pgState, myState] = await Promise.all([
    leftOut('postgres') ?? postgresReachable(),
    leftOut('mariadb') ?? mariaDbReachable(),
  ]);
  const available: Record<Server, boolean> = { postgres: pgState === true, mariadb: myState === true };
  for (const [server, state] of [
    ['postgres', pgState],
    ['mariadb', myState],
  ] as const) {
    const where =
      server === 'postgres'
        ? `${POSTGRES_SERVER.host}:${POSTGRES_SERVER.port}`
        : `${MARIADB_SERVER.host}:${MARIADB_SERVER.port}`;
    if (state === true) {
      out.write(`  ${SERVER_NAMES[server].padEnd(10)} ${where}  reachable\n`);
    } else {
      const skipped =
        server === 'postgres'
          ? 'the RDS PostgreSQL exports (orders-db, shop-db) are skipped'
          : 'the Aurora MySQL export (inventory-cluster) is skipped';
      ctx.stderr.write(
        `vaultpilot demo: ${SERVER_NAMES[server]} is not reachable at ${where} (${state}): ${HOW_TO_START[server]}. ` +
          `Without it ${skipped}.\n`,
      );
      out.write(`  ${SERVER_NAMES[server].padEnd(10)} ${where}  NOT reachable: ${skipped}\n`);
    }
  }
  if (!available.postgres && !available.mariadb) {
    throw new CliError(
      'neither PostgreSQL (127.0.0.1:5432) nor MariaDB (127.0.0.1:3306) is reachable: the demo exports real data ' +
        'from them and cannot run without one. Start one of them (see above) and run `vaultpilot demo` again.',
      EXIT.failed,
    );
  }

  // Ctrl-C / SIGTERM: stop, then clean up (the finally below) before leaving; a second one leaves at once.
  const controller = new AbortController();
  let received: string | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (received) process.exit(EXIT.interrupted);
    received = name;
    ctx.stderr.write(`\nvaultpilot demo: ${name}: stopping, dropping the demo databases…\n`);
    controller.abort();
  };
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () =>
      reject(new CliError(`interrupted by ${received}: the demo databases were dropped`, EXIT.interrupted)),
    );
  });
  aborted.catch(() => {});
  const race = <T>(work: Promise<T>): Promise<T> => Promise.race([work, aborted]);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let local: LocalActions | undefined;
  let workDir: string | undefined;
  const ebsDir = await mkdtemp(join(tmpdir(), 'vaultpilot-demo-ebs-'));
  const seeded: { postgres?: SeededDatabase; mariadb?: SeededDatabase } = {};
  let dropped = false;
  const cleanUp = async (): Promise<string[]> => {
    const problems: string[] = [];
    await local?.close().catch((e: unknown) => problems.push(`stopping the stand-ins: ${String(e)}`));
    local = undefined;
    if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => {});
    workDir = undefined;
    await rm(ebsDir, { recursive: true, force: true }).catch(() => {});
    if (!dropped) {
      dropped = true;
      const drops = await Promise.allSettled([
        available.postgres ? dropPostgres(DEMO_DATABASES.postgres) : Promise.resolve(),
        available.postgres ? dropPostgres(DEMO_DATABASES.postgresRestored) : Promise.resolve(),
        available.mariadb ? dropMariaDb(DEMO_DATABASES.mariadb) : Promise.resolve(),
      ]);
      for (const d of drops)
        if (d.status === 'rejected') problems.push(`dropping a demo database: ${String(d.reason)}`);
    }
    return problems;
  };

  try {
    // 2. Seed.
    out.write('\nSeeding\n');
    const [pg, my] = await race(
      Promise.all([
        available.postgres ? seedPostgres(DEMO_DATABASES.postgres, DEMO_SEED.postgres) : undefined,
        available.mariadb ? seedMariaDb(DEMO_DATABASES.mariadb, DEMO_SEED.mariadb) : undefined,
      ]),
    );
    if (pg) seeded.postgres = pg;
    if (my) seeded.mariadb = my;
    for (const db of [pg, my]) {
      if (!db) continue;
      const server = db === pg ? 'PostgreSQL' : 'MariaDB   ';
      const rows = Object.entries(db.rows)
        .map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
        .join(', ');
      out.write(`  ${server} ${db.name}: ${rows}\n`);
    }

    // 3. The stand-ins and the scenario.
    local = await race(
      startLocalActions({
        actions: options.actions,
        rdsTiming: { startingMs: 400, perTableMs: 150 },
        dynamoDbTiming: { restoreMs: 600, pitrEnablingMs: 200, exportMs: 800 },
        itemsPerDataFile: DEMO_DYNAMODB.itemsPerDataFile,
        conversionBatchBytes: DEMO_DYNAMODB.batchBytes,
      }),
    );
    local.backup.addVault('prod-daily');
    const ebsImage = await race(demoVolumeImage(ebsDir));
    const ebsSnapshotId = await race(local.ebs.addSnapshot({ imagePath: ebsImage.path }));
    local.ec2.addSnapshot({
      snapshotId: ebsSnapshotId,
      volumeId: DEMO_EBS.volume,
      volumeSizeGiB: Math.ceil(ebsImage.bytes / 2 ** 30),
      tags: { Name: 'demo-data-volume' },
    });
    const scenario = buildScenario(local, seeded, { snapshotId: ebsSnapshotId, image: ebsImage });
    out.write(`\nScenario (${scenario.length} export workflows, started by their real trigger events)\n`);
    scenario.forEach((s, i) => {
      out.write(`  [${i + 1}/${scenario.length}] ${s.label.padEnd(18)} ${s.what}\n`);
      out.write(`        trigger: ${s.triggerName}\n`);
    });
    out.write('\n');

    const stderrTty = (ctx.stderr as { isTTY?: boolean }).isTTY === true;
    const progress = new DemoProgress(ctx.stderr, stderrTty, EXPORT_STATES.waitForExport, POLL_LOOP);
    controller.signal.addEventListener('abort', () => progress.stop());
    const decisions: string[] = [];
    const executions: Promise<LocalExecution>[] = [];
    for (const spec of scenario) progress.add(spec.label);
    for (const [index, spec] of scenario.entries()) {
      const { starter, executions: executionsOf } = local.starter({
        onState: (state) => progress.enter(index, state),
        pollMs: 250,
      });
      const [decision] = await race(starter.handle(spec.trigger));
      decisions.push(
        `${spec.label}: ${decision?.decision ?? 'none'}${decision?.decision === 'none' ? ` (${decision.reason})` : ''}`,
      );
      if (index === 0) {
        // EventBridge delivers at least once: the same event again starts nothing.
        const [again] = await race(starter.handle(spec.trigger));
        decisions.push(
          `${spec.label}: the same event delivered again → ${again?.decision ?? 'none'}` +
            (again?.decision === 'duplicate'
              ? ` (ledger says ${again.status}; no second execution, no second export)`
              : ''),
        );
      }
      executions.push(
        executionsOf().then(([run]) => {
          const execution = run ?? {
            status: 'FAILED' as const,
            transitions: 0,
            path: [],
            retries: 0,
            error: 'NotStarted',
          };
          const last = execution.path.at(-1) ?? 'not started';
          progress.finish(
            index,
            `${FINAL_STATES.has(last) ? last : execution.status} · ${execution.transitions} transitions`,
          );
          return execution;
        }),
      );
    }
    const finished = await race(Promise.all(executions));
    progress.stop();
    const resultEvents = local.events.events().filter((e) => e.detailType === ACTION_RESULT_DETAIL_TYPE);
    const results = resultEvents.map((e) => e.detail as ActionResultDetail);

    out.write('\nTriggers\n');
    for (const d of decisions) out.write(`  ${d}\n`);

    // 5. Read the Parquet back.
    workDir = await mkdtemp(join(tmpdir(), 'vaultpilot-demo-'));
    const duck = await DuckDBInstance.create(':memory:');
    const runs: ExportRun[] = [];
    try {
      for (const [i, spec] of scenario.entries()) {
        const result = results.find((r) => r.recoveryPointArn === spec.arn);
        const verified = result?.manifestKey && result.outcome !== 'failed' ? result.manifestKey : undefined;
        const read =
          verified && result?.resourceType !== 'EBS'
            ? await race(readExport(local, duck, join(workDir, String(i)), verified))
            : { tables: [], parquetBytes: 0 };
        const restored =
          verified && result?.resourceType === 'EBS'
            ? await race(restoreEbsArchive(local, join(workDir, `${i}-ebs`), verified, ebsImage))
            : undefined;
        runs.push({
          spec,
          execution: finished[i]!,
          ...(result ? { result } : {}),
          ...read,
          ...(restored ? { restored } : {}),
        });
      }
    } finally {
      duck.closeSync();
    }
    out.write('\nExports\n');
    runs.forEach((run, i) => {
      out.write(exportSection(run, i, runs.length));
    });

    // The result events as the central bus delivers them.
    const envelopes = resultEvents.map((e) => {
      const detail = e.detail as ActionResultDetail;
      return {
        detail,
        event: {
          version: '0',
          id: e.eventId,
          'detail-type': e.detailType,
          source: e.source,
          account: detail.account,
          time: e.time.toISOString(),
          region: detail.region,
          resources: e.resources,
          detail: e.detail,
        },
      };
    });

    // The native dump (what the workflow's dump job runs, for engines RDS cannot export): pg_dump of the seeded
    // database, restored into a new one, row counts compared.
    let nativeDump: NativeDumpRun | undefined;
    if (seeded.postgres) {
      nativeDump = await race(runNativeDump(seeded.postgres, join(workDir, 'dump'), controller.signal));
      out.write(`\nNative dump (vaultpilot dump / restore: what the dump job runs where RDS cannot export)\n`);
      out.write(nativeDumpSection(nativeDump));
    }

    // 6. The Glue Data Catalog: the central registrar makes each verified export queryable by Athena.
    out.write('\nCatalog (Glue Data Catalog, what Athena queries)\n');
    let example: { table: string; date: string; exportId: string } | undefined;
    for (const { detail, event } of envelopes) {
      const registered = await race(local.registrar.handleEvent(event));
      if (registered.status !== 'registered') continue;
      const date = /\/date=([0-9-]+)\//.exec(detail.archiveUri ?? '')?.[1];
      const first = registered.tables[0];
      if (!example && first && date) {
        example = { table: first.history.name, date, exportId: registered.exportTaskIdentifier };
      }
      out.write(`  ${detail.resourceName} (${registered.exportTaskIdentifier})\n`);
      for (const table of registered.tables) {
        const latest = table.latest ? `, ${table.latest.name} (${table.latest.change})` : '';
        out.write(`    ${table.target}: ${table.history.name} (${table.history.change})${latest}\n`);
      }
    }
    if (example) {
      out.write(
        `  e.g. in Athena: SELECT count(*) FROM vaultpilot_archive.${example.table}_latest;\n` +
          `             or: SELECT count(*) FROM vaultpilot_archive.${example.table}\n` +
          `                 WHERE snapshot_date = '${example.date}' AND export_id = '${example.exportId}';\n`,
      );
    }

    // 7. The notifications.
    out.write(
      '\nNotifications (what people get: each result event as a signal, rendered like `vaultpilot simulate`)\n\n',
    );
    for (const { detail, event: envelope } of envelopes) {
      for (const signal of normalizeInput(envelope)) {
        const rendering = renderSignal(signal);
        out.write(
          `── ${signal.severity.toUpperCase()} · ${signal.kind} · ${signal.outcome} · ${detail.resourceName}\n`,
        );
        out.write(`${rendering.subject}\n\n${rendering.text.trimEnd()}\n\n`);
      }
    }

    // 8. Clean up, then the summary.
    const problems = await cleanUp();
    for (const p of problems) ctx.stderr.write(`vaultpilot demo: ${p}\n`);
    const droppedNames = [seeded.postgres?.name, seeded.mariadb?.name].filter(Boolean).join(', ');
    out.write(summary(runs, decisions, Date.now() - started, droppedNames, available));
    const unexpected = runs.filter((r) => (r.result?.outcome ?? 'failed') !== r.spec.expected);
    for (const r of unexpected) {
      ctx.stderr.write(
        `vaultpilot demo: ${r.spec.label} ended ${r.result?.outcome ?? r.execution.status}, expected ${r.spec.expected}\n`,
      );
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const problems = await cleanUp();
    for (const p of problems) ctx.stderr.write(`vaultpilot demo: ${p}\n`);
  }
}

/** Registers the snapshots and recovery points of the scenario and builds their trigger events. */
function buildScenario(
  local: LocalActions,
  seeded: { postgres?: SeededDatabase; mariadb?: SeededDatabase },
  ebs: { readonly snapshotId: string; readonly image: DemoImage },
): DemoExport[] {
  const now = new Date();
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const created = new Date(now.getTime() - 20 * 60_000);
  const stamp = created.toISOString().slice(0, 16).replace(/[-T:]/g, '-');
  const pgSource = seeded.postgres && {
    engine: 'postgres' as const,
    ...POSTGRES_SERVER,
    database: seeded.postgres.name,
  };
  const mySource = seeded.mariadb && {
    engine: 'mariadb' as const,
    ...MARIADB_SERVER,
    database: seeded.mariadb.name,
  };
  const scenario: DemoExport[] = [];
  const jobId = () => randomUUID();

  const backupPoint = (
    label: string,
    kind: 'db' | 'cluster',
    engine: string,
    source: typeof pgSource | typeof mySource,
    faults?: { failTask: string },
  ) => {
    const arn = local.rds.addSnapshot({
      kind,
      identifier: `awsbackup:job-${jobId()}`,
      sourceIdentifier: label,
      engine,
      createdAt: created,
      ...(source ? { source } : {}),
      ...(faults ? { faults } : {}),
    });
    const resourceType = kind === 'cluster' ? ('Aurora' as const) : ('RDS' as const);
    const resourceArn = `arn:aws:rds:${REGION}:${ACCOUNT}:${kind === 'cluster' ? 'cluster' : 'db'}:${label}`;
    local.backup.addRecoveryPoint({
      vault: 'prod-daily',
      recoveryPointArn: arn,
      resourceArn,
      resourceType,
      resourceName: label,
      creationDate: created,
      backupSizeInBytes: 21_474_836_480,
    });
    const trigger = backupJobCompletedEvent({
      account: ACCOUNT,
      region: REGION,
      vault: 'prod-daily',
      recoveryPointArn: arn,
      resourceArn,
      resourceType,
      time,
    });
    return { arn, trigger };
  };

  if (pgSource) {
    const { arn, trigger } = backupPoint('orders-db', 'db', 'postgres', pgSource);
    scenario.push({
      label: 'orders-db',
      what: `RDS PostgreSQL, recovery point by AWS Backup in vault prod-daily (data: ${pgSource.database}) → export, verify, delete the recovery point`,
      expected: 'exported',
      arn,
      trigger,
      triggerName: 'EventBridge "Backup Job State Change" COMPLETED, resourceType RDS',
    });
  }
  if (mySource) {
    const { arn, trigger } = backupPoint('inventory-cluster', 'cluster', 'aurora-mysql', mySource);
    scenario.push({
      label: 'inventory-cluster',
      what: `Aurora MySQL cluster snapshot by AWS Backup in vault prod-daily (data: ${mySource.database}) → export, verify, delete`,
      expected: 'exported',
      arn,
      trigger,
      triggerName: 'EventBridge "Backup Job State Change" COMPLETED, resourceType Aurora',
    });
  }
  if (pgSource) {
    const snapshotId = `rds:shop-db-${stamp}`;
    const arn = local.rds.addSnapshot({
      kind: 'db',
      identifier: snapshotId,
      sourceIdentifier: 'shop-db',
      engine: 'postgres',
      createdAt: created,
      source: pgSource,
    });
    scenario.push({
      label: 'shop-db',
      what: `RDS automated snapshot ${snapshotId} (outside AWS Backup) → export, verify, keep the snapshot (RDS expires it)`,
      expected: 'exported',
      arn,
      trigger: rdsSnapshotEvent({
        account: ACCOUNT,
        region: REGION,
        eventId: 'RDS-EVENT-0091',
        snapshotArn: arn,
        snapshotId,
        cluster: false,
        message: 'Automated snapshot created',
        time,
      }),
      triggerName: 'EventBridge "RDS DB Snapshot Event" RDS-EVENT-0091 (automated snapshot created)',
    });
  }
  {
    // DynamoDB needs no database server: the recovery point's items are restored into the DynamoDB stand-in.
    const table = DEMO_DYNAMODB.table;
    const arn = `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:${randomUUID()}`;
    const resourceArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`;
    local.backup.addRecoveryPoint({
      vault: 'prod-daily',
      recoveryPointArn: arn,
      resourceArn,
      resourceType: 'DynamoDB',
      resourceName: table,
      creationDate: created,
      backupSizeInBytes: 1_887_436,
      dynamoDbItems: demoOrders(DEMO_DYNAMODB.items),
      keySchema: [
        { attributeName: 'customer', keyType: 'HASH', attributeType: 'S' },
        { attributeName: 'orderId', keyType: 'RANGE', attributeType: 'N' },
      ],
    });
    scenario.push({
      label: table,
      what: `DynamoDB table, recovery point by AWS Backup in vault prod-daily (${DEMO_DYNAMODB.items.toLocaleString('en-US')} items, nested) → restore to a temporary table, export, convert to lossless Parquet, verify, delete`,
      expected: 'exported',
      arn,
      trigger: backupJobCompletedEvent({
        account: ACCOUNT,
        region: REGION,
        vault: 'prod-daily',
        recoveryPointArn: arn,
        resourceArn,
        resourceType: 'DynamoDB',
        time,
      }),
      triggerName: 'EventBridge "Backup Job State Change" COMPLETED, resourceType DynamoDB',
    });
  }
  {
    // EBS needs no database either: the recovery point is a snapshot the EBS stand-in serves from a disk image.
    const arn = `arn:aws:ec2:${REGION}::snapshot/${ebs.snapshotId}`;
    const resourceArn = `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${DEMO_EBS.volume}`;
    local.backup.addRecoveryPoint({
      vault: 'prod-daily',
      recoveryPointArn: arn,
      resourceArn,
      resourceType: 'EBS',
      creationDate: created,
      backupSizeInBytes: ebs.image.bytes,
    });
    scenario.push({
      label: DEMO_EBS.volume,
      what: `EBS snapshot ${ebs.snapshotId} by AWS Backup in vault prod-daily (${ebs.image.kind}) → read through the EBS direct APIs into a block archive (no volume, no instance), verify, delete; restored and compared`,
      expected: 'exported',
      arn,
      trigger: backupJobCompletedEvent({
        account: ACCOUNT,
        region: REGION,
        vault: 'prod-daily',
        recoveryPointArn: arn,
        resourceArn,
        resourceType: 'EBS',
        time,
      }),
      triggerName: 'EventBridge "Backup Job State Change" COMPLETED, resourceType EBS',
    });
  }
  {
    const engine = pgSource ? 'postgres' : 'mariadb';
    const { arn, trigger } = backupPoint('billing-db', 'db', engine, pgSource ?? mySource, { failTask: FAILURE_CAUSE });
    scenario.push({
      label: 'billing-db',
      what: `RDS ${pgSource ? 'PostgreSQL' : 'MariaDB'} recovery point in prod-daily whose export task FAILS (the export role lacks s3:PutObject) → clean up, keep the recovery point, critical notification`,
      expected: 'failed',
      arn,
      trigger,
      triggerName: 'EventBridge "Backup Job State Change" COMPLETED, resourceType RDS',
    });
  }
  return scenario;
}

interface NativeDumpRun {
  readonly files: number;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  readonly dumpSeconds: number;
  readonly restoreSeconds: number;
  readonly tool: string;
  /** Per table: rows in the source (seeded) and in the restored database. */
  readonly tables: readonly { readonly table: string; readonly source: number; readonly restored: number }[];
}

/** Dumps the seeded PostgreSQL database to `dir`, restores it into a new database, counts every table's rows there. */
async function runNativeDump(seeded: SeededDatabase, dir: string, signal: AbortSignal): Promise<NativeDumpRun> {
  const url = (database: string) =>
    parseDatabaseUrl(`postgres://${POSTGRES_SERVER.user}@${POSTGRES_SERVER.host}:${POSTGRES_SERVER.port}/${database}`);
  await mkdir(dir, { recursive: true });
  const store = new LocalDirectoryStore(dir);
  const t0 = Date.now();
  const dumped = await dumpDatabase({ url: url(seeded.name), store, jobs: 2, signal });
  const t1 = Date.now();
  await dropPostgres(DEMO_DATABASES.postgresRestored);
  await restoreDump({ store, target: url(DEMO_DATABASES.postgresRestored), jobs: 2, signal });
  const t2 = Date.now();
  const client = new pg.Client({ ...POSTGRES_SERVER, database: DEMO_DATABASES.postgresRestored });
  await client.connect();
  const tables: { table: string; source: number; restored: number }[] = [];
  try {
    for (const [table, source] of Object.entries(seeded.rows).sort()) {
      const [schema, name] = table.split('.');
      const r = await client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${quotePgIdent(schema!)}.${quotePgIdent(name!)}`,
      );
      tables.push({ table, source, restored: Number(r.rows[0]?.n ?? -1) });
    }
  } finally {
    await client.end();
  }
  await dropPostgres(DEMO_DATABASES.postgresRestored);
  return {
    files: dumped.manifest.files.length,
    compressedBytes: dumped.compressedBytes,
    uncompressedBytes: dumped.uncompressedBytes,
    dumpSeconds: (t1 - t0) / 1000,
    restoreSeconds: (t2 - t1) / 1000,
    // pg_dump --version already names the tool: `pg_dump (PostgreSQL) 15.20`.
    tool: dumped.manifest.tool.version.startsWith(dumped.manifest.tool.name)
      ? dumped.manifest.tool.version
      : `${dumped.manifest.tool.name} ${dumped.manifest.tool.version}`,
    tables,
  };
}

function nativeDumpSection(run: NativeDumpRun): string {
  const lines = [
    `  dump:     ${DEMO_DATABASES.postgres} with ${run.tool} (directory format, 2 jobs) → ${run.files} zstd files, ` +
      `${formatBytes(run.uncompressedBytes)} → ${formatBytes(run.compressedBytes)} in ${run.dumpSeconds.toFixed(1)} s, SHA-256 manifest written last`,
    `  restore:  every file's SHA-256 checked, then pg_restore into ${DEMO_DATABASES.postgresRestored} in ${run.restoreSeconds.toFixed(1)} s`,
  ];
  for (const t of run.tables) {
    lines.push(
      `    ${t.table.padEnd(24)} ${t.source.toLocaleString('en-US').padStart(8)} rows → ${t.restored.toLocaleString('en-US').padStart(8)} ${t.source === t.restored ? '(equal)' : '(DIFFERENT)'}`,
    );
  }
  lines.push(`  (${DEMO_DATABASES.postgresRestored} dropped again)`);
  return `${lines.join('\n')}\n`;
}

/** The volume of the demo's EBS recovery point. */
export const DEMO_EBS = { volume: 'vol-0de0000000000demo', sizeMiB: 64 } as const;

interface DemoImage {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** What it holds, in words. */
  readonly kind: string;
}

/**
 * The disk image behind the demo's EBS snapshot: an ext4 file system made with `mkfs.ext4 -d` from the project's
 * docs (a real file system layout: superblocks, inode tables, holes), or, where mkfs.ext4 is missing, a patterned
 * image of the same size.
 */
async function demoVolumeImage(dir: string): Promise<DemoImage> {
  const path = join(dir, 'volume.img');
  let kind = `an ext4 file system of ${DEMO_EBS.sizeMiB} MiB holding the project's docs`;
  try {
    execFileSync('mkfs.ext4', ['-q', '-F', '-d', join(packageRoot(), 'docs'), path, `${DEMO_EBS.sizeMiB}M`], {
      stdio: 'ignore',
    });
  } catch {
    kind = `a patterned image of ${DEMO_EBS.sizeMiB} MiB (mkfs.ext4 is not installed)`;
    const image = Buffer.alloc(DEMO_EBS.sizeMiB * 2 ** 20);
    for (let i = 0; i < image.length; i += 2 ** 20) image.write(`vaultpilot demo block ${i}`, i);
    await writeFile(path, image);
  }
  const data = await readFile(path);
  return { path, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), kind };
}

/** An EBS archive restored (as `vaultpilot restore` would) to a file: its SHA-256 against the image's. */
async function restoreEbsArchive(
  local: LocalActions,
  dir: string,
  manifestKey: string,
  image: DemoImage,
): Promise<NonNullable<ExportRun['restored']>> {
  const manifest = JSON.parse(
    await (
      await local.s3Client.send(new GetObjectCommand({ Bucket: local.bucket, Key: manifestKey }))
    ).Body!.transformToString(),
  ) as ExportManifest;
  const ebs = manifest.export.ebs;
  if (!ebs) throw new Error(`${manifestKey} is not a block archive's manifest`);
  await mkdir(dir, { recursive: true });
  const target = join(dir, 'restored.img');
  await restoreArchive({
    store: local.blockArchive.store(ebs.archivePrefix),
    target: (position) => new FileRestoreTarget(target, { overlay: position > 0 }),
  });
  const data = (await readFile(target)).subarray(0, image.bytes);
  return {
    bytes: data.length,
    equal: createHash('sha256').update(data).digest('hex') === image.sha256,
    storedBytes: manifest.bytes,
    dataBlocks: ebs.dataBlocks,
    chainDepth: ebs.chainDepth,
  };
}

/** Orders as a DynamoDB table holds them: numbers, sets, binary, booleans, nulls, lists of maps, awkward names. */
function demoOrders(count: number): Record<string, unknown>[] {
  const statuses = ['placed', 'paid', 'shipped', 'delivered'];
  return Array.from({ length: count }, (_, i) => ({
    customer: { S: `customer-${String(i % 250).padStart(3, '0')}` },
    orderId: { N: String(100_000 + i) },
    status: { S: statuses[i % statuses.length] },
    total: { N: `${(i * 37) % 1000}.${String(i % 100).padStart(2, '0')}`.replace(/\.?0+$/, '') || '0' },
    paid: { BOOL: i % 4 !== 0 },
    lines: {
      L: Array.from({ length: 1 + (i % 3) }, (_, j) => ({
        M: { sku: { S: `sku-${(i + j) % 40}` }, qty: { N: String(1 + j) } },
      })),
    },
    tags: { SS: i % 5 === 0 ? ['gift', 'express'] : ['standard'] },
    'delivery address': { M: { city: { S: ['Lyon', 'Porto', 'Graz'][i % 3] }, zip: { S: String(10_000 + i) } } },
    ...(i % 7 === 0 ? { coupon: { NULL: true } } : { coupon: { S: `C${i % 11}` } }),
    ...(i % 10 === 0 ? { receipt: { B: Buffer.from(`receipt-${i}`).toString('base64') } } : {}),
  }));
}

/** Downloads the Parquet of a verified export (from its manifest) and counts rows per table with DuckDB. */
async function readExport(
  local: LocalActions,
  duck: DuckDBInstance,
  dir: string,
  manifestKey: string,
): Promise<Pick<ExportRun, 'tables' | 'sample' | 'parquetBytes'>> {
  await mkdir(dir, { recursive: true });
  const manifest = JSON.parse(
    await (
      await local.s3Client.send(new GetObjectCommand({ Bucket: local.bucket, Key: manifestKey }))
    ).Body!.transformToString(),
  ) as ExportManifest;
  const connection = await duck.connect();
  const tables: TableRead[] = [];
  let sample: ExportRun['sample'];
  let parquetBytes = 0;
  let n = 0;
  try {
    let largest: { target: string; files: string[]; rows: number } | undefined;
    for (const table of [...manifest.tables].sort((a, b) => a.target.localeCompare(b.target))) {
      const files: string[] = [];
      let bytes = 0;
      for (const object of table.objects.filter((o) => o.key.endsWith('.parquet'))) {
        const body = await local.s3Client.send(new GetObjectCommand({ Bucket: local.bucket, Key: object.key }));
        const file = join(dir, `${n++}.parquet`);
        await writeFile(file, await body.Body!.transformToByteArray());
        files.push(file);
        bytes += object.size;
      }
      parquetBytes += bytes;
      let rows = 0;
      if (files.length > 0) {
        const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${parquetList(files)}`);
        rows = Number(reader.getRowObjectsJson()[0]?.n ?? 0);
      }
      tables.push({ target: table.target, rows, bytes, files: files.length });
      if (files.length > 0 && (!largest || rows > largest.rows)) largest = { target: table.target, files, rows };
    }
    if (largest) {
      const reader = await connection.runAndReadAll(`SELECT * FROM ${parquetList(largest.files)} ORDER BY 1 LIMIT 1`);
      const row = reader.getRowObjectsJson()[0];
      if (row) sample = { table: largest.target, row };
    }
  } finally {
    connection.closeSync();
  }
  return { tables, parquetBytes, ...(sample ? { sample } : {}) };
}

function parquetList(files: readonly string[]): string {
  return `read_parquet([${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}])`;
}

/** The states entered, with the poll loops and Map iterations folded: `… → Wait for export ×4 → Scan batch ×3 → …`. */
function foldPath(path: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const state of path) counts.set(state, (counts.get(state) ?? 0) + 1);
  const shown: string[] = [];
  const seen = new Set<string>();
  for (const state of path) {
    if (POLL_LOOP.has(state) && seen.has(state)) continue;
    seen.add(state);
    const n = counts.get(state) ?? 1;
    shown.push(COUNTED.has(state) && n > 1 ? `${state} ×${n}` : state);
  }
  return shown.join(' → ');
}

function exportSection(run: ExportRun, index: number, total: number): string {
  const { spec, execution, result } = run;
  const lines: string[] = [];
  const outcome = result?.outcome ?? `no result (${execution.status})`;
  const deletion = result?.deletion ? `recovery point ${result.deletion.status}` : 'recovery point kept';
  lines.push(`── [${index + 1}/${total}] ${spec.label} · ${outcome.toUpperCase()} · ${deletion}`);
  if (result?.outcome === 'failed') {
    lines.push(`   failed at: ${result.failedStep ?? '?'} — ${result.error ?? execution.error ?? ''}`);
    if (result.cause) lines.push(`   cause:     ${result.cause}`);
    if (result.cleanup) {
      lines.push(
        `   cleanup:   export cancelled ${result.cleanup.exportCancelled ? 'yes' : 'no'}, ` +
          `${result.cleanup.objectsDeleted} object(s) deleted` +
          (result.cleanup.leftBehind.length
            ? `, left behind: ${result.cleanup.leftBehind.join(', ')}`
            : ', nothing left behind'),
      );
    }
  }
  if (result?.deletion?.reason) lines.push(`   deletion:  ${result.deletion.reason}`);
  lines.push(`   path:      ${foldPath(execution.path)}  (${execution.transitions} state transitions)`);
  if (result?.exportTaskIdentifier) lines.push(`   export:    ${result.exportTaskIdentifier}`);
  if (result?.archiveUri && result.outcome !== 'failed') lines.push(`   archive:   ${result.archiveUri}`);
  if (run.tables.length > 0) {
    const width = Math.max(24, ...run.tables.map((t) => t.target.length));
    const heading = result?.resourceType === 'DynamoDB' ? 'table' : 'database.schema.table';
    lines.push(`   ${heading.padEnd(width)}  ${'rows'.padStart(8)}  ${'Parquet'.padStart(10)}`);
    for (const t of run.tables) {
      lines.push(
        `   ${t.target.padEnd(width)}  ${t.rows.toLocaleString('en-US').padStart(8)}  ${formatBytes(t.bytes).padStart(10)}`,
      );
    }
    lines.push(`   (row counts read back from the Parquet with DuckDB)`);
  }
  if (run.restored) {
    const r = run.restored;
    lines.push(
      `   block archive: ${r.dataBlocks.toLocaleString('en-US')} data blocks of 512 KiB stored in ${formatBytes(r.storedBytes)} ` +
        `(${r.chainDepth === 0 ? 'full' : `incremental, chain depth ${r.chainDepth}`})`,
    );
    lines.push(
      `   restored:      ${formatBytes(r.bytes)} → ${r.equal ? 'SHA-256 equal to the snapshot image' : 'DIFFERENT from the snapshot image'}`,
    );
  }
  if (run.sample) {
    const shown = (v: unknown) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      return text.length > 100 ? `${text.slice(0, 97)}…` : text;
    };
    const fields = Object.entries(run.sample.row)
      .map(([k, v]) => `${k}=${shown(v)}`)
      .join('  ');
    lines.push(`   sample row of ${run.sample.table}: ${fields}`);
  }
  return `${lines.join('\n')}\n`;
}

function summary(
  runs: readonly ExportRun[],
  decisions: readonly string[],
  wallMs: number,
  dropped: string,
  available: Record<Server, boolean>,
): string {
  const count = (outcome: string) => runs.filter((r) => r.result?.outcome === outcome).length;
  const failed = runs.filter((r) => r.result?.outcome === 'failed' || !r.result);
  const deleted = runs.filter((r) => r.result?.deletion?.status === 'deleted').length;
  const kept = runs.length - deleted;
  const bytes = runs.reduce((sum, r) => sum + r.parquetBytes, 0);
  const files = runs.reduce((sum, r) => sum + r.tables.reduce((s, t) => s + t.files, 0), 0);
  const duplicates = decisions.filter((d) => d.includes('→ duplicate')).length;
  const totalTransitions = runs.reduce((sum, r) => sum + r.execution.transitions, 0);
  const lines = [
    '',
    'Summary',
    `  workflows:          ${runs.length} — ${count('exported')} exported, ${count('exported-partially')} partial, ${failed.length} failed` +
      (failed.length
        ? ` (${failed.map((r) => `${r.spec.label} at ${r.result?.failedStep ?? r.execution.path.at(-1) ?? '?'}`).join(', ')})`
        : ''),
    `  recovery points:    ${deleted} deleted, ${kept} kept`,
    `  Parquet:            ${formatBytes(bytes)} in ${files} file${files === 1 ? '' : 's'}`,
    `  state transitions:  ${runs.map((r) => `${r.spec.label} ${r.execution.transitions}`).join(' · ')} (total ${totalTransitions}; Step Functions bills each)`,
    `  duplicate triggers: ${duplicates} ignored`,
    `  databases dropped:  ${dropped || 'none'}`,
  ];
  const skipped = (Object.keys(available) as Server[]).filter((s) => !available[s]);
  if (skipped.length)
    lines.push(`  skipped:            the parts that need ${skipped.map((s) => SERVER_NAMES[s]).join(', ')}`);
  lines.push(`  wall time:          ${(wallMs / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}
