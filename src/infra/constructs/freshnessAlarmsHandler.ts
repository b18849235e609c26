/**
 * Source of the function that keeps the freshness alarms of vaults listed without accounts or Regions
 * only where the vault exists, in one member account and Region.
 *
 * It is inline (CloudFormation `ZipFile`, at most 4,096 characters) for the reason given in
 * vaultNotificationsHandler.ts: the StackSet deploys the member template where no asset bucket exists.
 * Both invocation kinds reconcile one desired state, the spec `{ Vaults: [{ Vault, Alarm }], Hours,
 * ToleranceHours, AlarmActions, OKActions }` that the stack writes twice: as the custom resource's
 * properties (CloudFormation sends scalars as strings, hence `Number`) and as the `SPEC` environment
 * variable, read when EventBridge reports a vault created or deleted. For each vault, DescribeBackupVault
 * decides: it exists, so PutMetricAlarm (the same definition as the stack's static freshness alarms), or
 * it does not, so DeleteAlarms. A CloudFormation update also deletes the alarms of vaults no longer
 * listed; a delete removes them all and never fails, so a stack can always be removed. Only
 * CloudFormation requests (they carry `RequestType`) are answered over HTTPS; an event run that fails
 * throws, so Lambda retries it and then keeps it in the dead-letter queue.
 */
import { CLOUDFORMATION_RESPONSE_SOURCE } from './cloudFormationResponseSource.js';

export const FRESHNESS_ALARMS_HANDLER_SOURCE = `
const https = require('node:https');
const b = require('@aws-sdk/client-backup');
const cw = require('@aws-sdk/client-cloudwatch');
const backup = new b.BackupClient({});
const alarms = new cw.CloudWatchClient({});
const absent = (e) => /NotFound/.test(String(e && e.name));
const names = (spec) => ((spec && spec.Vaults) || []).map((v) => v.Alarm);
async function drop(list) {
  for (let i = 0; i < list.length; i += 100) {
    try {
      await alarms.send(new cw.DeleteAlarmsCommand({ AlarmNames: list.slice(i, i + 100) }));
    } catch (e) {
      if (!absent(e)) throw e;
    }
  }
}
async function exists(name) {
  try {
    await backup.send(new b.DescribeBackupVaultCommand({ BackupVaultName: name }));
    return true;
  } catch (e) {
    if (absent(e)) return false;
    throw e;
  }
}
async function reconcile(spec, stale) {
  const hours = Number(spec.Hours);
  const window = hours + Number(spec.ToleranceHours);
  const alarmed = [];
  const gone = stale.slice();
  for (const v of spec.Vaults || []) {
    if (!(await exists(v.Vault))) {
      gone.push(v.Alarm);
      continue;
    }
    await alarms.send(new cw.PutMetricAlarmCommand({
      AlarmName: v.Alarm,
      AlarmDescription: 'No backup job completed in vault ' + v.Vault + ' for ' + window + ' hours (' + hours +
        ' h and ' + (window - hours) + ' h of tolerance)',
      AlarmActions: spec.AlarmActions || [],
      OKActions: spec.OKActions || [],
      MetricName: 'NumberOfBackupJobsCompleted',
      Namespace: 'AWS/Backup',
      Dimensions: [{ Name: 'BackupVaultName', Value: v.Vault }],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: window,
      DatapointsToAlarm: window,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    }));
    alarmed.push(v.Alarm);
  }
  await drop(gone);
  console.log(JSON.stringify({ alarmed, absent: gone }));
  return { Alarmed: String(alarmed.length), Absent: String(gone.length - stale.length) };
}
async function apply(event) {
  const props = event.ResourceProperties || {};
  if (event.RequestType === 'Delete') {
    await drop(names(props));
    return {};
  }
  const wanted = names(props);
  return reconcile(props, names(event.OldResourceProperties).filter((n) => !wanted.includes(n)));
}
${CLOUDFORMATION_RESPONSE_SOURCE}
exports.handler = async (event, context) => {
  if (!event.RequestType) {
    await reconcile(JSON.parse(process.env.SPEC), []);
    return;
  }
  let status = 'SUCCESS';
  let reason = '';
  let data = {};
  try {
    data = await apply(event);
  } catch (e) {
    console.error(e);
    status = event.RequestType === 'Delete' ? 'SUCCESS' : 'FAILED';
    reason = String((e && e.message) || e).slice(0, 300) + ' (log stream ' + context.logStreamName + ')';
  }
  await respond(event, {
    Status: status, Reason: reason || 'ok', PhysicalResourceId: event.PhysicalResourceId || 'vaultpilot-freshness-alarms',
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: data,
  });
};
`;
