/**
 * Which RDS and Aurora engines StartExportTask can export: RDS for MySQL, MariaDB and PostgreSQL, and Aurora
 * MySQL and PostgreSQL (provisioned and Serverless v2). Not Oracle, SQL Server, Db2, RDS Custom, or Aurora
 * Serverless v1 (engine mode `serverless`); Multi-AZ DB clusters neither.
 */

const EXPORTABLE = new Set(['postgres', 'mysql', 'mariadb', 'aurora-postgresql', 'aurora-mysql', 'aurora']);

/** Why a snapshot of `engine` (and cluster `engineMode`) cannot be exported, or undefined when it can. */
export function unexportableEngineReason(engine: string, engineMode?: string): string | undefined {
  const name = engine.toLowerCase();
  if (name.startsWith('custom-')) return `engine ${engine}: RDS cannot export snapshots of RDS Custom`;
  if (!EXPORTABLE.has(name)) {
    const family = name.startsWith('oracle')
      ? 'Oracle'
      : name.startsWith('sqlserver')
        ? 'SQL Server'
        : name.startsWith('db2')
          ? 'Db2'
          : undefined;
    return family
      ? `engine ${engine}: RDS cannot export ${family} snapshots to S3`
      : `engine ${engine}: not one RDS can export (MySQL, MariaDB, PostgreSQL, Aurora MySQL, Aurora PostgreSQL)`;
  }
  if (engineMode?.toLowerCase() === 'serverless') {
    return `engine ${engine} in engine mode serverless (Aurora Serverless v1): RDS cannot export it`;
  }
  return undefined;
}
