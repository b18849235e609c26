/**
 * The commented starter file `vaultpilot init` writes. It validates as written (with example ids), so
 * `vaultpilot validate` works right away; the comments say what to replace before deploying.
 */

/** Example ids used by the starter; `vaultpilot validate` warns while they are still there. */
export const STARTER_PLACEHOLDERS = {
  organizationId: 'o-exampleorg1',
  managementAccount: '111111111111',
  centralAccount: '222222222222',
  organizationalUnit: 'ou-exam-ple12345',
} as const;

/** The starter configuration text; `schemaPath` is written into the editor schema comment. */
export function renderStarterConfig(schemaPath: string): string {
  const p = STARTER_PLACEHOLDERS;
  return `# yaml-language-server: $schema=${schemaPath}
#
# Vaultpilot configuration: organization-wide AWS Backup alarms and monitoring.
# Check it with \`vaultpilot validate\`. Every setting is described in docs/configuration.md.
# Lines marked REPLACE hold example values: put in your own before deploying.

version: 1

# The AWS Organization. Find the id in the Organizations console under Settings.
organization:
  id: ${p.organizationId} # REPLACE with your organization id (o-…)
  managementAccount: '${p.managementAccount}' # REPLACE: the management account id, in quotes

# The central account collects every signal and runs the router, the ledger, the dashboard and
# the alarms. Use a dedicated monitoring or backup account, not the management account.
central:
  account: '${p.centralAccount}' # REPLACE: the central account id, in quotes
  region: eu-west-1 # REPLACE: the central Region; it must also be listed in members.regions
  # eventBusName: vaultpilot # name of the custom event bus member accounts forward to

# The accounts and Regions watched. The member stack is deployed as a service-managed StackSet to
# every account in these OUs, including accounts that join later. Use the root id (r-…) for all.
members:
  organizationalUnits:
    - ${p.organizationalUnit} # REPLACE with your OU ids (ou-…) or the root id (r-…)
  regions: # every Region where AWS Backup runs
    - eu-west-1
    - eu-central-1
    - us-east-1 # keep it: AWS Organizations reports invalid effective backup policies in us-east-1 only

# Vaults to watch. Leave the list empty to watch every vault in every member account and Region.
watchedVaults: []
#  - name: prod-backups
#  - name: central-copies
#    accounts: ['333333333333'] # only in these accounts
#    regions: [eu-central-1] # only in these Regions

# Who hears about what: channels (email, Slack, Teams, webhooks) and routing rules.
notifications:
  # The operators' channel: hears every signal that no route matches, and always every event
  # Vaultpilot could not understand (it never drops those).
  defaultChannel: backup-team
  channels:
    - name: backup-team
      type: email
      addresses:
        - backup-team@example.com # REPLACE: each address must confirm an SNS subscription once
    # Slack, Teams and generic webhooks: the URL is a secret. Store it in AWS Secrets Manager in the
    # central account and Region, and name the secret here (name or ARN), never the URL itself:
    #   aws secretsmanager create-secret --name vaultpilot/slack-webhook --secret-string 'https://hooks.slack.com/…'
    # - name: backup-slack
    #   type: slack # or teams, or webhook
    #   secret: vaultpilot/slack-webhook
  # Routes: a signal goes to the channels of every route it matches; none matched → defaultChannel.
  routes:
    - channels: [backup-team]
      severities: [critical, warning]
    # - channels: [backup-slack]
    #   kinds: [tamper, policy-change] # deleted recovery points, vault policy and lock changes, backup policies
  successMessages: false # true also sends "job succeeded" and "alarm OK" messages
  progressMessages: false # true also sends "job started/running" messages

# Recovery point objectives: alert once when the newest good recovery point of a resource is older
# than its threshold. A matching tag wins over the resource type; otherwise defaultHours applies.
rpo:
  enabled: true
  defaultHours: 24
  resourceTypes: {}
  #  RDS: 12
  #  DynamoDB: 6
  tags: []
  #  - key: backup-tier
  #    value: gold
  #    hours: 4

# CloudWatch alarms of the central monitoring stack.
alarms:
  failedJobs:
    threshold: 1 # alarm when at least this many jobs fail in one period, organization-wide
    periodMinutes: 60
  anomalyDetection:
    enabled: true
    bandWidth: 2 # standard deviations; wider means fewer alarms
  freshness:
    hours: 24 # alarm when no backup job completed anywhere for this long

# The daily summary: counts, top failing resources, policy changes, resources past their RPO.
digest:
  enabled: true
  time: '08:00'
  timeZone: UTC # an IANA name, e.g. Europe/Berlin
  # channels: [backup-team] # default: notifications.defaultChannel

# Optional AWS Backup vault SNS notifications (in addition to EventBridge), e.g. for S3 object failures.
vaultNotifications:
  enabled: false
  vaults: []

# Backup actions (off while this section stays commented out): export RDS, Aurora and DynamoDB recovery points
# that land in these vaults to Parquet in an S3 archive, and archive EBS snapshots' blocks there. Preview with \`vaultpilot actions plan\`; see docs/actions.md.
# actions:
#   enabled: true
#   vaults:
#     - name: prod-backups # recovery points from backup jobs here, and from copy jobs arriving here
#   resourceTypes:
#     RDS: { export: parquet } # or none
#     Aurora: { export: parquet }
#     DynamoDB: { export: parquet, exportFrom: backup } # backup: restore + export; source-pitr: the table's own PITR
#     EBS: { export: block, maxChainDepth: 7 } # block archive of the snapshot; full after 7 incremental (0: always full)
#     EC2: { export: none } # AMIs: not archived yet (archive their volumes' EBS recovery points)
#   filters:
#     excludeResources: ['scratch-*'] # ARNs or names, * is a wildcard
#     includeTags: [] # checked when the workflow runs: events carry no tags
#   deleteRecoveryPointAfterExport: false # true deletes a recovery point once its export is verified
#   rdsSnapshots: # RDS snapshots taken outside AWS Backup
#     automated: false
#     manual: false
#   archiveBucket:
#     # name: my-backup-archive # default: Vaultpilot creates one
#     lifecycle: { glacierAfterDays: 30, deepArchiveAfterDays: 180, expireAfterDays: 3650 }
#     # objectLock: { mode: GOVERNANCE, retentionDays: 365 }
#     # accessLogBucket: my-access-logs
`;
}
