/**
 * Source of the custom-resource function that calls PutBackupVaultNotifications in member accounts.
 *
 * It is inline (CloudFormation `ZipFile`) on purpose: the member template is deployed by a StackSet into
 * every account and Region, where no CDK asset bucket exists, so it must carry its code. It uses only
 * the AWS SDK that the Node.js 22 runtime ships and answers CloudFormation over HTTPS itself.
 * Vaults missing in an account or Region are skipped (reported in the resource's `Skipped` attribute);
 * deletion never fails, so a stack can always be removed.
 */
export const VAULT_NOTIFICATIONS_HANDLER_SOURCE = `
const https = require('node:https');
const b = require('@aws-sdk/client-backup');
const client = new b.BackupClient({});
const notFound = (e) => e && e.name === 'ResourceNotFoundException';
async function apply(event) {
  const props = event.ResourceProperties || {};
  const old = event.OldResourceProperties || {};
  const isDelete = event.RequestType === 'Delete';
  const wanted = isDelete ? [] : props.Vaults || [];
  const stale = isDelete ? props.Vaults || [] : (old.Vaults || []).filter((v) => !wanted.includes(v));
  const configured = [];
  const skipped = [];
  for (const name of wanted) {
    try {
      await client.send(new b.PutBackupVaultNotificationsCommand({
        BackupVaultName: name, SNSTopicArn: props.TopicArn, BackupVaultEvents: props.Events,
      }));
      configured.push(name);
    } catch (e) {
      if (!notFound(e)) throw e;
      skipped.push(name);
    }
  }
  for (const name of stale) {
    try {
      await client.send(new b.DeleteBackupVaultNotificationsCommand({ BackupVaultName: name }));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  }
  return { Configured: configured.join(','), Skipped: skipped.join(',') };
}
function respond(event, body) {
  const url = new URL(event.ResponseURL);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request({ hostname: url.hostname, path: url.pathname + url.search, method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(text);
  });
}
exports.handler = async (event, context) => {
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
    Status: status, Reason: reason || 'ok', PhysicalResourceId: event.PhysicalResourceId || 'vaultpilot-vault-notifications',
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: data,
  });
};
`;
