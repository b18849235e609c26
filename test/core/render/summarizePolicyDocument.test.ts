import { describe, expect, it } from 'vitest';
import { summarizePolicyDocument } from '../../../src/core/policy/summarizePolicyDocument.js';

/** A backup policy with one plan holding `plan` (keys of the plan object). */
const planWith = (plan: Record<string, unknown>) => ({ plans: { P: plan } });
const ruleWith = (rule: Record<string, unknown>) => planWith({ rules: { R: rule } });
const summary = (document: unknown, type = 'BACKUP_POLICY') => summarizePolicyDocument(document, type);
const assign = (value: unknown) => ({ '@@assign': value });

describe('summarizePolicyDocument', () => {
  it('says which Regions a plan sets, adds or removes', () => {
    expect(summary(planWith({ regions: assign(['eu-west-1']) }))).toContain('  sets Regions eu-west-1');
    expect(summary(planWith({ regions: { '@@append': ['us-east-1', 'eu-north-1'] } }))).toContain(
      '  adds Regions us-east-1, eu-north-1',
    );
    expect(summary(planWith({ regions: { '@@remove': ['us-east-1'] } }))).toContain('  removes Regions us-east-1');
  });

  it('shows a schedule as written, in words where it is simple, with its time zone', () => {
    expect(summary(ruleWith({ schedule_expression: assign('cron(0 5 ? * * *)') }))).toContain(
      '    schedule cron(0 5 ? * * *): every day at 05:00 UTC',
    );
    expect(
      summary(
        ruleWith({
          schedule_expression: assign('cron(0 5/1 ? * * *)'),
          schedule_expression_timezone: assign('America/New_York'),
        }),
      ),
    ).toContain('    schedule cron(0 5/1 ? * * *): every hour from 05:00, every day (time zone America/New_York)');
    expect(summary(ruleWith({ schedule_expression: assign('cron(30 1 ? * MON-FRI *)') }))).toContain(
      '    schedule cron(30 1 ? * MON-FRI *): Monday to Friday at 01:30 UTC',
    );
    expect(summary(ruleWith({ schedule_expression: assign('cron(0 3 1 * ? *)') }))).toContain(
      '    schedule cron(0 3 1 * ? *): on day 1 of every month at 03:00 UTC',
    );
    expect(summary(ruleWith({ schedule_expression: assign('cron(0/5 8-17 ? * * *)') }))).toContain(
      '    schedule cron(0/5 8-17 ? * * *) (time zone UTC)',
    );
  });

  it('gives backup windows in hours and days, and the lifecycle in days', () => {
    const lines = summary(
      ruleWith({
        start_backup_window_minutes: assign('480'),
        complete_backup_window_minutes: assign('10080'),
        lifecycle: {
          move_to_cold_storage_after_days: assign('180'),
          delete_after_days: assign('270'),
          opt_in_to_archive_for_supported_resources: assign('true'),
        },
      }),
    );
    expect(lines).toEqual([
      'Plan P',
      '  Rule R',
      '    starts within 8 hours',
      '    completes within 7 days',
      '    cold storage after 180 days',
      '    delete after 270 days',
      '    archive tier for supported resources opted in',
    ]);
  });

  it('names the target vault, continuous backup, indexing and malware scans of a rule', () => {
    expect(
      summary(
        ruleWith({
          target_backup_vault_name: assign('FortKnox'),
          enable_continuous_backup: assign(true),
          index_actions: { resource_types: assign(['EBS', 'S3']) },
          scan_actions: { GUARDDUTY: { scan_mode: assign('INCREMENTAL_SCAN') } },
          recovery_point_tags: { owner: { tag_key: assign('Owner'), tag_value: assign('Backup') } },
        }),
      ),
    ).toEqual([
      'Plan P',
      '  Rule R',
      '    target vault FortKnox',
      '    continuous backup (point-in-time restore) enabled',
      '    search index for EBS, S3',
      '    Malware scan by GUARDDUTY',
      '      scan mode incremental scan',
      '    recovery point tag Owner = Backup',
    ]);
  });

  it('shows each copy action with its target vault and its own lifecycle', () => {
    const arn = 'arn:aws:backup:us-east-1:$account:backup-vault:secondary_vault';
    expect(
      summary(
        ruleWith({
          copy_actions: {
            [arn]: { target_backup_vault_arn: assign(arn), lifecycle: { delete_after_days: assign('28') } },
          },
        }),
      ),
    ).toEqual([
      'Plan P',
      '  Rule R',
      '    Copy to secondary_vault',
      `      target vault ${arn}`,
      '      delete after 28 days',
    ]);
  });

  it('shows tag selections as key = values with the IAM role', () => {
    expect(
      summary(
        planWith({
          selections: {
            tags: {
              datatype: {
                iam_role_arn: assign('arn:aws:iam::$account:role/MyIamRole'),
                tag_key: assign('dataType'),
                tag_value: assign(['PII', 'RED']),
              },
            },
          },
        }),
      ),
    ).toEqual([
      'Plan P',
      '  Tag selection datatype',
      '    tag dataType = PII, RED',
      '    IAM role arn:aws:iam::$account:role/MyIamRole',
    ]);
  });

  it('shows resource selections: resources, exclusions and conditions in words', () => {
    expect(
      summary(
        planWith({
          selections: {
            resources: {
              volumes: {
                iam_role_arn: assign('arn:aws:iam::$account:role/R'),
                resource_types: assign(['arn:aws:ec2:*:*:volume/*']),
                not_resource_types: assign(['arn:aws:ec2:*:*:volume/vol-1']),
                conditions: {
                  string_equals: {
                    dept: { condition_key: assign('aws:ResourceTag/Department'), condition_value: assign('eng') },
                  },
                  string_not_like: {
                    env: { condition_key: assign('aws:ResourceTag/Env'), condition_value: assign('test*') },
                  },
                },
              },
            },
          },
        }),
      ),
    ).toEqual([
      'Plan P',
      '  Resource selection volumes',
      '    IAM role arn:aws:iam::$account:role/R',
      '    resources arn:aws:ec2:*:*:volume/*',
      '    except resources arn:aws:ec2:*:*:volume/vol-1',
      '    condition aws:ResourceTag/Department equals eng',
      '    condition aws:ResourceTag/Env does not match test*',
    ]);
  });

  it('shows advanced settings and plan tags', () => {
    expect(
      summary(
        planWith({
          advanced_backup_settings: { ec2: { windows_vss: assign('enabled') } },
          backup_plan_tags: { stage: { tag_key: assign('Stage'), tag_value: assign('Beta') } },
        }),
      ),
    ).toEqual(['Plan P', '  Windows VSS backups (EC2) enabled', '  plan tag Stage = Beta']);
  });

  it('says child policies may not change a value locked with @@none', () => {
    expect(
      summary(
        ruleWith({
          lifecycle: { delete_after_days: { ...assign('35'), '@@operators_allowed_for_child_policies': ['@@none'] } },
        }),
      ),
    ).toContain('    child policies may not change the deletion age');
  });

  it('says which operators child policies may still use, in words', () => {
    expect(
      summary(
        planWith({ regions: { '@@append': ['eu-west-1'], '@@operators_allowed_for_child_policies': ['@@append'] } }),
      ),
    ).toContain('  child policies may only add to (@@append) the Regions');
    expect(summary(planWith({ '@@operators_allowed_for_child_policies': ['@@assign', '@@remove'] }))).toContain(
      '  child policies may only set (@@assign) or remove from (@@remove) this plan',
    );
    expect(summary(ruleWith({ '@@operators_allowed_for_child_policies': ['@@all'] }))).toContain(
      '    child policies may change this rule freely',
    );
  });

  it('shows keys it does not know as path: value lines, never as JSON', () => {
    const lines = summary(planWith({ future_setting: assign({ mode: 'fast', levels: [1, 2], off: null }) }));
    expect(lines).toEqual([
      'Plan P',
      '  future_setting.mode: fast',
      '  future_setting.levels: 1, 2',
      '  future_setting.off: (none)',
    ]);
  });

  it('reads other policy types as key paths, numbering list items', () => {
    const scp = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: ['ec2:*', 's3:*'], Resource: '*' }],
    };
    expect(summary(scp, 'SERVICE_CONTROL_POLICY')).toEqual([
      'Version: 2012-10-17',
      'Statement #1.Effect: Deny',
      'Statement #1.Action: ec2:*, s3:*',
      'Statement #1.Resource: *',
    ]);
  });

  it('cuts a long list at an item boundary and says how many more there are', () => {
    const regions = Array.from({ length: 200 }, (_, i) => `region-${i}`);
    const [, line] = summary(planWith({ regions: assign(regions) }));
    expect(line).toMatch(/^ {2}sets Regions region-0, region-1, .*region-\d+, and \d+ more$/);
    expect(line?.length).toBeLessThan(500);
  });

  it('reads a backup policy whose type is not known (DeletePolicy) by its plans', () => {
    expect(summarizePolicyDocument(planWith({ regions: assign(['eu-west-1']) }))).toEqual([
      'Plan P',
      '  sets Regions eu-west-1',
    ]);
  });
});
