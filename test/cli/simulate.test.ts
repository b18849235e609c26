import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitJsonValues } from '../../src/core/input/splitJsonValues.js';
import { runCli } from './runCli.js';

const fixtures = join(import.meta.dirname, '../fixtures/events');
const failedBackup = readFileSync(join(fixtures, 'eventbridge-backup/backup-job-failed.json'), 'utf8');
const restoreFailed = readFileSync(join(fixtures, 'eventbridge-backup/restore-job-failed.json'), 'utf8');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vaultpilot-simulate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('vaultpilot simulate', () => {
  it('reads the bundled sample events when given no input, and summarizes them', async () => {
    const { code, stdout } = await runCli(['simulate']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Summary: \d+ signals from \d+ inputs/);
    expect(stdout).toMatch(/by severity: .*critical \d+/);
    expect(stdout).toMatch(/by kind: .*backup-job \d+/);
    expect(stdout).toMatch(/by account: .*\d{12} \d+/);
    expect(stdout).toContain('Backup FAILED');
    expect(stdout).not.toContain(`"statusMessage"`); // readable messages, never a raw JSON dump
  });

  it('prints one JSON object per line with the documented fields, summary on stderr', async () => {
    const { code, stdout, stderr } = await runCli(['simulate', '--format', 'json', file('one.json', failedBackup)]);
    expect(code).toBe(0);
    const [line, ...rest] = jsonLines(stdout);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      kind: 'backup-job',
      outcome: 'failed',
      severity: 'critical',
      account: expect.stringMatching(/^\d{12}$/),
      region: expect.any(String),
      resource: { arn: expect.any(String), type: expect.any(String), name: expect.any(String) },
      subject: expect.stringContaining('Backup FAILED'),
      text: expect.any(String),
      input: expect.stringMatching(/one\.json:1$/),
    });
    expect(line).not.toHaveProperty('raw');
    expect(stderr).toContain('Summary: 1 signal from 1 input');
  });

  it('reads a JSON array, NDJSON and back-to-back pretty objects alike', async () => {
    const a = JSON.parse(failedBackup);
    const b = JSON.parse(restoreFailed);
    const inputs = [
      file('array.json', JSON.stringify([a, b])),
      file('events.ndjson', `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`),
      file('cat.json', `${JSON.stringify(a, null, 2)}${JSON.stringify(b, null, 2)}`),
    ];
    for (const input of inputs) {
      const { stdout } = await runCli(['simulate', '--format', 'json', input]);
      expect(jsonLines(stdout).map((s) => [s.kind, s.outcome])).toEqual([
        ['backup-job', 'failed'],
        ['restore-job', 'failed'],
      ]);
    }
  });

  it('reads standard input when given "-"', async () => {
    const { code, stdout } = await runCli(['simulate', '-f', 'json', '-'], { stdin: failedBackup });
    expect(code).toBe(0);
    expect(jsonLines(stdout)[0]).toMatchObject({ kind: 'backup-job', input: '<stdin>:1' });
  });

  it('reads piped standard input when given no input', async () => {
    const { stdout } = await runCli(['simulate', '-f', 'json'], { stdin: restoreFailed });
    expect(jsonLines(stdout).map((s) => s.kind)).toEqual(['restore-job']);
  });

  it('reports unreadable JSON and unknown events as unparsed signals, not failures', async () => {
    const input = file(
      'mixed.ndjson',
      `{"detail-type": "Backup Job\n{"hello":"world"}\n${JSON.stringify(JSON.parse(failedBackup))}\n`,
    );
    const { code, stdout, stderr } = await runCli(['simulate', '-f', 'json', input]);
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.map((s) => s.kind)).toEqual(['unparsed', 'unparsed', 'backup-job']);
    expect(lines[0]?.reason).toMatch(/mixed\.ndjson:1: invalid JSON/);
    expect(lines[1]?.reason).toEqual(expect.any(String));
    expect(stderr).toContain('2 unparsed');
  });

  it('exits 1 when an input cannot be read, after processing the others', async () => {
    const { code, stdout, stderr } = await runCli([
      'simulate',
      '-f',
      'json',
      join(dir, 'missing.json'),
      file('ok.json', failedBackup),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot read .*missing\.json: no such file or folder/);
    expect(jsonLines(stdout)).toHaveLength(1);
  });

  it('prints Slack and Teams messages as JSON documents', async () => {
    const input = file('slack.json', failedBackup);
    const slack = splitJsonValues((await runCli(['simulate', '-f', 'slack', input])).stdout);
    expect(slack).toHaveLength(1);
    expect(slack[0]?.ok && slack[0].value).toMatchObject({ blocks: expect.any(Array) });
    const teams = splitJsonValues((await runCli(['simulate', '-f', 'teams', input])).stdout);
    expect(teams[0]?.ok && teams[0].value).toMatchObject({ type: 'message', attachments: expect.any(Array) });
  });

  it('filters by severity and rejects unknown severities', async () => {
    const input = file(
      'two.json',
      JSON.stringify([JSON.parse(failedBackup), JSON.parse(failedBackup.replace('"FAILED"', '"RUNNING"'))]),
    );
    const { stdout } = await runCli(['simulate', '-f', 'json', '--severity', 'critical', input]);
    expect(jsonLines(stdout).map((s) => s.severity)).toEqual(['critical']);
    const bad = await runCli(['simulate', '--severity', 'loud', input]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--severity takes critical, warning, info');
  });

  it('shows a policy diff when the same run saw the previous version of the policy', async () => {
    const update = JSON.parse(readFileSync(join(fixtures, 'cloudtrail/organizations-updatepolicy.json'), 'utf8'));
    const document = JSON.parse(update.detail.requestParameters.content as string);
    const older = structuredClone(update);
    older.detail.requestParameters.content = JSON.stringify({
      ...document,
      plans: { Legacy: { regions: { '@@assign': ['eu-west-1'] } } },
    });
    const { stdout } = await runCli(['simulate', '-f', 'json', file('policies.json', JSON.stringify([older, update]))]);
    const [, second] = jsonLines(stdout);
    expect(String(second?.text)).toMatch(/- plan Legacy/);
  });

  it('documents its inputs, formats and exit codes in --help', async () => {
    const { code, stdout } = await runCli(['simulate', '--help']);
    expect(code).toBe(0);
    for (const word of ['NDJSON', 'text', 'slack', 'teams', 'json', 'exit code', 'unparsed', 'standard input']) {
      expect(stdout).toContain(word);
    }
  });
});
