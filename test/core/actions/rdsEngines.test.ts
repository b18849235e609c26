import { describe, expect, it } from 'vitest';
import { unexportableEngineReason } from '../../../src/core/actions/rdsEngines.js';

describe('unexportableEngineReason', () => {
  it.each([['postgres'], ['mysql'], ['mariadb'], ['aurora-postgresql'], ['aurora-mysql'], ['aurora'], ['POSTGRES']])(
    '%s can be exported',
    (engine) => {
      expect(unexportableEngineReason(engine)).toBeUndefined();
      expect(unexportableEngineReason(engine, 'provisioned')).toBeUndefined();
    },
  );

  it.each([
    ['oracle-ee', /cannot export Oracle snapshots/],
    ['oracle-se2-cdb', /Oracle/],
    ['sqlserver-se', /cannot export SQL Server snapshots/],
    ['sqlserver-ex', /SQL Server/],
    ['db2-se', /cannot export Db2 snapshots/],
    ['custom-oracle-ee', /RDS Custom/],
    ['custom-sqlserver-se', /RDS Custom/],
    ['neptune', /not one RDS can export/],
  ])('%s cannot', (engine, reason) => {
    expect(unexportableEngineReason(engine)).toMatch(reason);
    expect(unexportableEngineReason(engine)).toContain(engine);
  });

  it('refuses Aurora Serverless v1 (engine mode serverless), whatever the case', () => {
    expect(unexportableEngineReason('aurora-mysql', 'serverless')).toMatch(/Aurora Serverless v1/);
    expect(unexportableEngineReason('aurora-postgresql', 'Serverless')).toMatch(/Aurora Serverless v1/);
    expect(unexportableEngineReason('aurora-postgresql', 'provisioned')).toBeUndefined();
  });
});
