import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FRESHNESS_ALARMS_HANDLER_SOURCE } from '../../src/infra/constructs/freshnessAlarmsHandler.js';
import { MemberStack } from '../../src/infra/stacks/MemberStack.js';
import { loadInlineHandler, type SdkCall, serviceError } from './inlineHandlerHarness.js';

const ALARM = 'vaultpilot-vault-no-completed-backup-prod-vault';
const GONE_ALARM = 'vaultpilot-vault-no-completed-backup-gone-vault';
const SPEC = {
  Vaults: [
    { Vault: 'prod-vault', Alarm: ALARM },
    { Vault: 'gone-vault', Alarm: GONE_ALARM },
  ],
  Hours: 26,
  ToleranceHours: 6,
  AlarmActions: ['arn:aws:sns:eu-west-1:333333333333:alarms'],
  OKActions: ['arn:aws:sns:eu-west-1:333333333333:ok'],
};

/** What CloudFormation sends: every scalar property as a string, the service token included. */
const cloudFormationProperties = (spec: typeof SPEC) => ({
  ServiceToken: 'arn:aws:lambda:eu-west-1:333333333333:function:freshness',
  ...spec,
  Hours: String(spec.Hours),
  ToleranceHours: String(spec.ToleranceHours),
});

const request = (type: 'Create' | 'Update' | 'Delete', extra: Record<string, unknown> = {}) => ({
  RequestType: type,
  ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/path?X-Amz-Signature=abc',
  StackId: 'arn:aws:cloudformation:eu-west-1:333333333333:stack/StackSet-vaultpilot-member/1',
  RequestId: 'request-1',
  LogicalResourceId: 'UnscopedVaultFreshnessAlarms',
  ResourceType: 'Custom::VaultpilotFreshnessAlarms',
  ResourceProperties: cloudFormationProperties(SPEC),
  ...extra,
});

/** AWS Backup knows `prod-vault` here and nothing else. */
const backupWithProdVault = (call: SdkCall): unknown => {
  if (call.command === 'DescribeBackupVault') {
    if (call.input.BackupVaultName === 'prod-vault') return { BackupVaultName: 'prod-vault' };
    throw serviceError('ResourceNotFoundException', `Backup vault ${String(call.input.BackupVaultName)} not found`);
  }
  return {};
};

const commands = (calls: SdkCall[], command: string) => calls.filter((c) => c.command === command);

/** The static freshness alarm MemberStack makes for a vault scoped to a Region, as PutMetricAlarm input. */
function staticAlarmDefinition(vaultName: string, hours: number, toleranceHours: number): Record<string, unknown> {
  const stack = new MemberStack(new App(), 'Static', {
    centralBusArn: 'arn:aws:events:eu-west-1:222222222222:event-bus/vaultpilot',
    watchedVaults: [{ name: vaultName, regions: ['eu-west-1'] }],
    freshnessHours: hours,
    freshnessToleranceHours: toleranceHours,
  });
  const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).find(
    (a) => a.Properties.AlarmName === `vaultpilot-vault-no-completed-backup-${vaultName}`,
  );
  return alarm?.Properties as Record<string, unknown>;
}

describe('the freshness-alarms function source', () => {
  it('is a CommonJS module within the 4,096-character ZipFile limit that needs only the runtime', () => {
    expect(FRESHNESS_ALARMS_HANDLER_SOURCE.length).toBeLessThanOrEqual(4096);
    expect(() => loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE)).not.toThrow();
  });

  it('puts, where the vault exists, exactly the alarm the stack makes statically, with the alarm actions', async () => {
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, { send: backupWithProdVault });
    await fn.invoke(request('Create'));

    expect(commands(fn.calls, 'DescribeBackupVault').map((c) => [c.module, c.input])).toEqual([
      ['@aws-sdk/client-backup', { BackupVaultName: 'prod-vault' }],
      ['@aws-sdk/client-backup', { BackupVaultName: 'gone-vault' }],
    ]);
    const puts = commands(fn.calls, 'PutMetricAlarm');
    expect(puts.map((c) => c.module)).toEqual(['@aws-sdk/client-cloudwatch']);
    expect(puts[0]?.input).toEqual({
      ...staticAlarmDefinition('prod-vault', 26, 6),
      AlarmActions: SPEC.AlarmActions,
      OKActions: SPEC.OKActions,
    });
    expect(puts[0]?.input).toMatchObject({
      AlarmName: ALARM,
      AlarmDescription: 'No backup job completed in vault prod-vault for 32 hours (26 h and 6 h of tolerance)',
      EvaluationPeriods: 32,
      DatapointsToAlarm: 32,
      TreatMissingData: 'breaching',
    });
  });

  it('deletes the alarm of a vault that does not exist in this account and Region, and succeeds', async () => {
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, { send: backupWithProdVault });
    await fn.invoke(request('Create'));

    expect(commands(fn.calls, 'PutMetricAlarm').map((c) => c.input.AlarmName)).toEqual([ALARM]);
    expect(commands(fn.calls, 'DeleteAlarms').map((c) => c.input)).toEqual([{ AlarmNames: [GONE_ALARM] }]);
    expect(fn.responses).toHaveLength(1);
    expect(fn.responses[0]).toMatchObject({
      hostname: 'cloudformation-custom-resource-response-euwest1.s3.amazonaws.com',
      path: '/path?X-Amz-Signature=abc',
      method: 'PUT',
      body: {
        Status: 'SUCCESS',
        PhysicalResourceId: 'vaultpilot-freshness-alarms',
        StackId: request('Create').StackId,
        RequestId: 'request-1',
        LogicalResourceId: 'UnscopedVaultFreshnessAlarms',
        Data: { Alarmed: '1', Absent: '1' },
      },
    });
  });

  it('counts an alarm that was already absent as deleted', async () => {
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, {
      send: (call) => {
        if (call.command === 'DeleteAlarms') throw serviceError('ResourceNotFound');
        return backupWithProdVault(call);
      },
    });
    await fn.invoke(request('Create'));
    expect(fn.responses[0]?.body.Status).toBe('SUCCESS');
  });

  it('deletes on update the alarms of vaults no longer listed, and keeps the physical id', async () => {
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, { send: backupWithProdVault });
    const removed = { Vault: 'old-vault', Alarm: 'vaultpilot-vault-no-completed-backup-old-vault' };
    await fn.invoke(
      request('Update', {
        PhysicalResourceId: 'vaultpilot-freshness-alarms',
        ResourceProperties: cloudFormationProperties({ ...SPEC, Vaults: [SPEC.Vaults[0] as (typeof SPEC.Vaults)[0]] }),
        OldResourceProperties: cloudFormationProperties({ ...SPEC, Vaults: [removed, ...SPEC.Vaults] }),
      }),
    );

    expect(commands(fn.calls, 'DescribeBackupVault').map((c) => c.input.BackupVaultName)).toEqual(['prod-vault']);
    expect(commands(fn.calls, 'DeleteAlarms').map((c) => c.input)).toEqual([
      { AlarmNames: [removed.Alarm, GONE_ALARM] },
    ]);
    expect(fn.responses[0]?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'vaultpilot-freshness-alarms',
    });
  });

  it('deletes every alarm on delete, at most 100 names per call, without describing vaults', async () => {
    const many = Array.from({ length: 150 }, (_, i) => ({
      Vault: `v${i}`,
      Alarm: `vaultpilot-vault-no-completed-backup-v${i}`,
    }));
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, { send: backupWithProdVault });
    await fn.invoke(
      request('Delete', {
        PhysicalResourceId: 'vaultpilot-freshness-alarms',
        ResourceProperties: cloudFormationProperties({ ...SPEC, Vaults: many }),
      }),
    );

    expect(commands(fn.calls, 'DescribeBackupVault')).toEqual([]);
    const deletes = commands(fn.calls, 'DeleteAlarms').map((c) => c.input.AlarmNames as string[]);
    expect(deletes.map((names) => names.length)).toEqual([100, 50]);
    expect(deletes.flat()).toEqual(many.map((v) => v.Alarm));
    expect(fn.responses[0]?.body.Status).toBe('SUCCESS');
  });

  it('answers SUCCESS on delete even when CloudWatch refuses, so the stack can always be removed', async () => {
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, {
      send: () => {
        throw serviceError('AccessDenied', 'not authorized to perform: cloudwatch:DeleteAlarms');
      },
    });
    await fn.invoke(request('Delete', { PhysicalResourceId: 'vaultpilot-freshness-alarms' }));

    expect(commands(fn.calls, 'DeleteAlarms').map((c) => c.input)).toEqual([{ AlarmNames: [ALARM, GONE_ALARM] }]);
    expect(fn.responses).toHaveLength(1);
    expect(fn.responses[0]?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'vaultpilot-freshness-alarms',
    });
  });

  it('fails a create it could not carry out, with the reason and the log stream', async () => {
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, {
      send: (call) => {
        if (call.command === 'PutMetricAlarm') throw serviceError('LimitExceeded', 'too many alarms');
        return backupWithProdVault(call);
      },
    });
    await fn.invoke(request('Create'));

    expect(fn.responses[0]?.body).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'vaultpilot-freshness-alarms',
      Reason: expect.stringMatching(/too many alarms.*log stream 2026\/01\/01/),
    });
  });

  it('treats a vault it may not describe as an error, not as absent', async () => {
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, {
      send: (call) => {
        if (call.command === 'DescribeBackupVault') throw serviceError('AccessDeniedException');
        return {};
      },
    });
    await fn.invoke(request('Create'));

    expect(commands(fn.calls, 'DeleteAlarms')).toEqual([]);
    expect(fn.responses[0]?.body.Status).toBe('FAILED');
  });

  it('reconciles the list in its environment when a vault is created, without answering CloudFormation', async () => {
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, {
      send: backupWithProdVault,
      env: { SPEC: JSON.stringify(SPEC) },
    });
    await fn.invoke({
      version: '0',
      id: 'e94a2af8-0b1c-4d3e-a84f-59c4d5e6f70f',
      'detail-type': 'Backup Vault State Change',
      source: 'aws.backup',
      account: '333333333333',
      region: 'eu-west-1',
      resources: ['arn:aws:backup:eu-west-1:333333333333:backup-vault:prod-vault'],
      detail: { backupVaultName: 'prod-vault', state: 'CREATED' },
    });

    const puts = commands(fn.calls, 'PutMetricAlarm');
    expect(puts.map((c) => c.input.AlarmName)).toEqual([ALARM]);
    // The same definition as from CloudFormation, although the environment holds numbers, not strings.
    expect(puts[0]?.input).toEqual({
      ...staticAlarmDefinition('prod-vault', 26, 6),
      AlarmActions: SPEC.AlarmActions,
      OKActions: SPEC.OKActions,
    });
    expect(commands(fn.calls, 'DeleteAlarms').map((c) => c.input)).toEqual([{ AlarmNames: [GONE_ALARM] }]);
    expect(fn.responses).toEqual([]);
  });

  it('deletes the alarm of a vault reported deleted, and fails the event run on errors so Lambda retries it', async () => {
    const deleted = {
      source: 'aws.backup',
      'detail-type': 'Backup Vault State Change',
      detail: { backupVaultName: 'prod-vault', state: 'DELETED' },
    };
    const fn = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, {
      send: (call) => {
        if (call.command === 'DescribeBackupVault') throw serviceError('ResourceNotFoundException');
        return {};
      },
      env: { SPEC: JSON.stringify(SPEC) },
    });
    await fn.invoke(deleted);
    expect(commands(fn.calls, 'DeleteAlarms').map((c) => c.input)).toEqual([{ AlarmNames: [ALARM, GONE_ALARM] }]);

    const failing = loadInlineHandler(FRESHNESS_ALARMS_HANDLER_SOURCE, {
      send: () => {
        throw serviceError('ThrottlingException', 'Rate exceeded');
      },
      env: { SPEC: JSON.stringify(SPEC) },
    });
    await expect(failing.invoke(deleted)).rejects.toThrow('Rate exceeded');
    expect(failing.responses).toEqual([]);
  });
});
