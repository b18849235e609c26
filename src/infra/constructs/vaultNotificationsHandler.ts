/**
 * Source of the custom-resource function that sets up vault SNS notifications in a member account.
 *
 * It is inline (CloudFormation `ZipFile`, at most 4,096 characters) on purpose: the member template is
 * deployed by a StackSet into every account and Region, where no CDK asset bucket exists, so it must
 * carry its code. It uses only the AWS SDK the Node.js 22 runtime ships and answers CloudFormation over
 * HTTPS itself. On create and update it
 * 1. calls PutBackupVaultNotifications for each listed vault that exists here (missing vaults are
 *    skipped and reported in the `Skipped` attribute), and DeleteBackupVaultNotifications for vaults
 *    no longer listed;
 * 2. subscribes the central router queue to the topic *as the queue owner*, through a role in the
 *    central account: a subscription made by the topic owner would wait for a confirmation nobody sends.
 * Deletion never fails, so a stack can always be removed (deleting the topic removes its subscription).
 */
import { CLOUDFORMATION_RESPONSE_SOURCE } from './cloudFormationResponseSource.js';

export const VAULT_NOTIFICATIONS_HANDLER_SOURCE = `
const https = require('node:https');
const b = require('@aws-sdk/client-backup');
const sts = require('@aws-sdk/client-sts');
const sns = require('@aws-sdk/client-sns');
const client = new b.BackupClient({});
const notFound = (e) => e && e.name === 'ResourceNotFoundException';
async function subscribe(p) {
  const r = await new sts.STSClient({}).send(new sts.AssumeRoleCommand({
    RoleArn: p.SubscriberRoleArn, RoleSessionName: 'vaultpilot-subscribe' }));
  const c = r.Credentials;
  const s = new sns.SNSClient({ credentials: {
    accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } });
  const out = await s.send(new sns.SubscribeCommand({
    TopicArn: p.TopicArn, Protocol: 'sqs', Endpoint: p.RouterQueueArn, ReturnSubscriptionArn: true }));
  return out.SubscriptionArn;
}
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
  const subscription = isDelete ? '' : await subscribe(props);
  return { Configured: configured.join(','), Skipped: skipped.join(','), Subscription: subscription };
}
${CLOUDFORMATION_RESPONSE_SOURCE}
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
