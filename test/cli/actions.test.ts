import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './runCli.js';

const root = join(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures/events');
const example = join(root, 'examples/vaultpilot.config.yaml');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vaultpilot-actions-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('vaultpilot actions plan', () => {
  it('prints one JSON object per event with the fields the issue names, input as file:line', async () => {
    const ndjson = [
      readFileSync(join(fixtures, 'rds-sns/automated-created.json'), 'utf8'),
      readFileSync(join(fixtures, 'eventbridge-backup/backup-job-failed.json'), 'utf8'),
    ]
      .map((t) => JSON.stringify(JSON.parse(t)))
      .join('\n');
    writeFileSync(join(dir, 'events.ndjson'), `${ndjson}\n`);
    const run = await runCli(['actions', 'plan', '--json', '--config', example, 'events.ndjson'], { cwd: dir });
    expect(run.code).toBe(0);
    const [exported, nothing] = jsonLines(run.stdout);
    for (const line of [exported, nothing]) {
      expect(Object.keys(line!)).toEqual(
        expect.arrayContaining([
          'input',
          'action',
          'reason',
          'recoveryPointArn',
          'exportTaskIdentifier',
          's3Prefix',
          'deleteAfterExport',
        ]),
      );
      expect(typeof line!.deleteAfterExport).toBe('boolean');
    }
    expect(exported).toMatchObject({
      input: 'events.ndjson:1',
      action: 'rds-export',
      recoveryPointArn: 'arn:aws:rds:eu-west-1:111122223333:snapshot:rds:prod-db-2026-11-20-02-10',
      exportTaskIdentifier: expect.stringMatching(/^vp-prod-db-[0-9a-f]{12}-1$/),
      s3Prefix: 'exports/account=111122223333/region=eu-west-1/type=rds/resource=prod-db/date=2026-11-20',
      deleteAfterExport: false,
    });
    expect(nothing).toMatchObject({
      input: 'events.ndjson:2',
      action: 'none',
      reason: expect.stringMatching(/backup job FAILED/),
      exportTaskIdentifier: null,
      deleteAfterExport: false,
    });
    expect(run.stderr).toBe('2 events: 1 export planned, 1 nothing to do\n');
  });

  it('prints a readable block per event and a summary', async () => {
    const run = await runCli([
      'actions',
      'plan',
      '--config',
      example,
      join(fixtures, 'eventbridge-backup/recovery-point-completed.json'),
      join(fixtures, 'rds-sns/awsbackup-local-copy-finished.json'),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /── rds-export · recovery-point · Recovery Point State Change · .*recovery-point-completed\.json:1/,
    );
    expect(run.stdout).toMatch(/export task id: {2}vp-orders-aurora-[0-9a-f]{12}-1/);
    expect(run.stdout).toMatch(/then delete: {5}yes, after the export is verified/);
    expect(run.stdout).toMatch(/checked when the workflow runs: the engine/);
    expect(run.stdout).toMatch(/── none · rds-snapshot · RDS-EVENT-0197 .*\n {3}nothing to do: /);
    expect(run.stdout).toMatch(/2 events: 1 export planned, 1 nothing to do\n$/);
  });

  it('handles every event of the corpus, each with an action or a reason', async () => {
    const run = await runCli(['actions', 'plan', '--json', '--config', example, fixtures]);
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.length).toBeGreaterThan(200);
    for (const line of lines) {
      expect(line.input).toMatch(/^[^:]+\.json:\d+$/);
      expect(['rds-export', 'dynamodb-export', 'ebs-archive', 'none']).toContain(line.action);
      expect(String(line.reason).length).toBeGreaterThan(10);
    }
    expect(lines.filter((l) => l.action === 'rds-export').length).toBeGreaterThanOrEqual(5);
  });

  it('prints DynamoDB plans: the table, where the export reads from, the checks without an engine', async () => {
    const e = JSON.parse(readFileSync(join(fixtures, 'eventbridge-backup/backup-job-completed.json'), 'utf8'));
    e.detail.resourceType = 'DynamoDB';
    e.detail.resourceArn = 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders';
    const forms = [
      'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/backup/01763611211204-5f1c3a2e',
      'arn:aws:backup:eu-west-1:111122223333:recovery-point:7d3a1e5c-0b2f-4c6d-9e8a-1f2b3c4d5e6f',
    ];
    const ndjson = forms.map((arn) => JSON.stringify({ ...e, detail: { ...e.detail, recoveryPointArn: arn } }));
    writeFileSync(join(dir, 'dynamodb.ndjson'), `${ndjson.join('\n')}\n`);

    const text = await runCli(['actions', 'plan', '--config', example, 'dynamodb.ndjson'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/── dynamodb-export · backup-job · Backup Job State Change · dynamodb\.ndjson:1/);
    expect(text.stdout).toMatch(/workflow: {8}dynamodb-export-parquet/);
    expect(text.stdout).toMatch(/table: {11}Orders/);
    expect(text.stdout).toMatch(/export from: {5}backup \(restored to a temporary table/);
    expect(text.stdout).toMatch(/export task id: {2}vp-orders-[0-9a-f]{12}-1/);
    expect(text.stdout).toMatch(
      /S3 prefix: {7}exports\/account=111122223333\/region=eu-west-1\/type=dynamodb\/resource=Orders\//,
    );
    expect(text.stdout).toMatch(
      /checked when the workflow runs: the recovery point: it must be COMPLETED or AVAILABLE/,
    );
    expect(text.stdout).not.toMatch(/the engine/);
    expect(text.stdout).toMatch(/2 events: 2 exports planned, 0 nothing to do\n$/);

    const json = await runCli(['actions', 'plan', '--json', '--config', example, 'dynamodb.ndjson'], { cwd: dir });
    const lines = jsonLines(json.stdout);
    expect(lines).toHaveLength(2);
    lines.forEach((line, i) => {
      expect(line).toMatchObject({
        action: 'dynamodb-export',
        workflow: 'dynamodb-export-parquet',
        resourceType: 'DynamoDB',
        resourceName: 'Orders',
        dynamoDbExportFrom: 'backup',
        recoveryPointArn: forms[i],
        deleteAfterExport: true,
      });
    });
    expect(lines[0]!.exportTaskIdentifier).not.toBe(lines[1]!.exportTaskIdentifier);
  });

  it('prints EBS plans: the volume, incremental or full decided when the workflow runs, the snapshot checks', async () => {
    const ndjson = ['eventbridge-backup/backup-job-completed.json', 'backup-vault-sns/backup-job-completed.json']
      .map((f) => JSON.stringify(JSON.parse(readFileSync(join(fixtures, f), 'utf8'))))
      .join('\n');
    writeFileSync(join(dir, 'ebs.ndjson'), `${ndjson}\n`);

    const text = await runCli(['actions', 'plan', '--config', example, 'ebs.ndjson'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/── ebs-archive · backup-job · Backup Job State Change · ebs\.ndjson:1/);
    expect(text.stdout).toMatch(/workflow: {8}ebs-block-archive/);
    expect(text.stdout).toMatch(/recovery point: {2}arn:aws:ec2:eu-west-1::snapshot\/snap-0f1e2d3c4b5a69788/);
    expect(text.stdout).toMatch(/volume: {10}vol-0a1b2c3d4e5f67890/);
    expect(text.stdout).toMatch(
      /archive: {9}incremental to the previous archive of the volume, or full after 7 incremental archives in a row \(maxChainDepth\): decided when the workflow runs/,
    );
    expect(text.stdout).toMatch(/export task id: {2}vp-vol-0a1b2c3d4e5f67890-[0-9a-f]{12}-1/);
    expect(text.stdout).toMatch(
      /S3 prefix: {7}exports\/account=111122223333\/region=eu-west-1\/type=ebs\/resource=vol-0a1b2c3d4e5f67890\//,
    );
    expect(text.stdout).toMatch(
      /checked when the workflow runs: the snapshot: it must be completed and in the standard tier/,
    );
    expect(text.stdout).not.toMatch(/the engine/);
    expect(text.stdout).not.toMatch(/table: /);
    expect(text.stdout).toMatch(/2 events: 2 exports planned, 0 nothing to do\n$/);

    const json = await runCli(['actions', 'plan', '--json', '--config', example, 'ebs.ndjson'], { cwd: dir });
    const lines = jsonLines(json.stdout);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({
        action: 'ebs-archive',
        workflow: 'ebs-block-archive',
        resourceType: 'EBS',
        resourceName: 'vol-0a1b2c3d4e5f67890',
        account: '111122223333',
        ebsMaxChainDepth: 7,
        dynamoDbExportFrom: null,
        deleteAfterExport: true,
      });
    }
    expect(lines[0]!.exportTaskIdentifier).toBe(lines[1]!.exportTaskIdentifier);
  });

  it('says why an EC2 recovery point (AMI) is not archived', async () => {
    const e = JSON.parse(readFileSync(join(fixtures, 'eventbridge-backup/backup-job-completed.json'), 'utf8'));
    e.detail.resourceType = 'EC2';
    e.detail.resourceArn = 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0';
    e.detail.recoveryPointArn = 'arn:aws:ec2:eu-west-1::image/ami-0abcdef1234567890';
    e.resources = [e.detail.recoveryPointArn];
    const run = await runCli(['actions', 'plan', '--json', '--config', example], { stdin: JSON.stringify(e) });
    expect(jsonLines(run.stdout)[0]).toMatchObject({
      action: 'none',
      resourceType: 'EC2',
      ebsMaxChainDepth: null,
      reason: expect.stringContaining(
        "EC2 recovery points (AMIs) are not archived yet: archive their EBS snapshots' own recovery points",
      ),
    });
  });

  it('gives RDS plans no DynamoDB fields', async () => {
    const run = await runCli(['actions', 'plan', '--json', '--config', example], {
      stdin: readFileSync(join(fixtures, 'rds-sns/manual-created.json'), 'utf8'),
    });
    expect(jsonLines(run.stdout)[0]).toMatchObject({
      action: 'rds-export',
      dynamoDbExportFrom: null,
      ebsMaxChainDepth: null,
    });
  });

  it('reads standard input', async () => {
    const run = await runCli(['actions', 'plan', '--json', '--config', example], {
      stdin: readFileSync(join(fixtures, 'rds-sns/manual-created.json'), 'utf8'),
    });
    expect(jsonLines(run.stdout)[0]).toMatchObject({ input: '<stdin>:1', action: 'rds-export' });
  });

  it('exits 1 with a clear error when there is no configuration file', async () => {
    const run = await runCli(['actions', 'plan', join(fixtures, 'rds-sns/manual-created.json')], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/vaultpilot\.config\.yaml — file not found \(run `vaultpilot init`/);
    expect(run.stdout).toBe('');
  });

  it('exits 1 on an invalid configuration, naming the problem by file:line', async () => {
    const text = readFileSync(example, 'utf8').replace(
      'deleteRecoveryPointAfterExport: true',
      'deleteRecoveryPointAfterExport: "false"',
    );
    writeFileSync(join(dir, 'bad.yaml'), text);
    const run = await runCli(
      ['actions', 'plan', '--config', 'bad.yaml', join(fixtures, 'rds-sns/manual-created.json')],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /bad\.yaml:\d+:\d+ actions\.deleteRecoveryPointAfterExport — must be true or false, not the text "false"/,
    );
  });

  it('exits 1 when an input cannot be read, and still plans the others', async () => {
    const run = await runCli(
      ['actions', 'plan', '--config', example, 'missing.json', join(fixtures, 'rds-sns/manual-created.json')],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/vaultpilot actions plan: cannot read missing\.json: no such file or folder/);
    expect(run.stdout).toMatch(/1 event: 1 export planned, 0 nothing to do, 1 input could not be read/);
  });

  it('plans nothing when the configuration has no actions section', async () => {
    const text = readFileSync(example, 'utf8').split('\n# Backup actions:')[0]!;
    writeFileSync(join(dir, 'no-actions.yaml'), text);
    const run = await runCli(
      ['actions', 'plan', '--config', 'no-actions.yaml', join(fixtures, 'rds-sns/manual-created.json')],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/nothing to do: actions are off/);
    expect(run.stdout).toMatch(/\(actions are off in this configuration\)/);
  });

  it('exits 2 on an unknown option', async () => {
    const run = await runCli(['actions', 'plan', '--bogus']);
    expect(run.code).toBe(2);
  });
});
