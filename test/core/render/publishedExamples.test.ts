/**
 * Notifications for the examples AWS publishes (fixtures named `devguide-…`, `docs-…`, `lambda-docs-…`):
 * they must name what happened without placeholders such as "unknown resource" and read cleanly.
 */
import { describe, expect, it } from 'vitest';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { renderSignal } from '../../../src/core/render/renderSignal.js';
import { loadFixtures } from '../normalize/fixtureCorpus.js';

const published = loadFixtures().filter((f) => /\/(devguide|docs|lambda-docs)-/.test(f.name));

function renderFixture(name: string) {
  const input = published.find((f) => f.name === name)?.input;
  if (input === undefined) throw new Error(`no fixture ${name}`);
  return normalizeInput(input).map((s) => renderSignal(s));
}

describe('renderSignal on published AWS examples', () => {
  it('covers the examples of every source', () => {
    const shapes = new Set(published.map((f) => f.name.split('/')[0]));
    expect([...shapes].sort()).toEqual([
      'backup-vault-sns',
      'cloudtrail',
      'cloudwatch-alarm',
      'eventbridge-backup',
      'rds-eventbridge',
      'rds-sns',
      'wrappers',
    ]);
  });

  it('names the source recovery point of a copy job CREATED event, which carries no resource', () => {
    const [r] = renderFixture('eventbridge-backup/devguide-copy-job-created');
    expect(r?.subject).toBe('Copy job CREATED: ami-0888b126e2170b98e in 1112233445566 / us-west-2');
  });

  it('puts a single space between lead and location when a headline has no target', () => {
    const [r] = renderFixture('eventbridge-backup/devguide-region-setting-modified');
    expect(r?.text).toContain('WARNING: Backup region settings CHANGED in 1112233445566 / us-west-2');
  });

  it('never says "unknown resource" nor doubles spaces in a subject or title line', () => {
    for (const f of published) {
      for (const signal of normalizeInput(f.input)) {
        const r = renderSignal(signal);
        expect(r.subject, f.name).not.toMatch(/unknown resource| {2}/);
        const titleLine = r.text.split('\n').find((l) => /^(CRITICAL|WARNING|INFO): /.test(l)) ?? '';
        expect(titleLine, f.name).not.toMatch(/ {2}/);
      }
    }
  });

  it('names the EKS cluster, not the Kubernetes object type, in EKS object notifications', () => {
    const [r] = renderFixture('backup-vault-sns/devguide-eks-restore-object-skipped');
    expect(r?.subject).toMatch(/^Restore job COMPLETED WITH ISSUES: eks-restore-target-cluster-name \(EKS\)/);
  });

  it('says a refused Organizations call was refused and changed nothing', () => {
    const [r] = renderFixture('cloudtrail/docs-organizations-attachpolicy-refused');
    expect(r?.subject).toBe(
      'Backup policy ATTACH REFUSED: p-examplepolicyid111 to ou-examplerootid111-exampleouid111 by diego',
    );
    expect(r?.text).toContain('diego tried to attach the backup policy p-examplepolicyid111');
    expect(r?.text).toContain('refused (PolicyTypeNotEnabledException), nothing changed');
  });

  it('names the account whose effective backup policy became invalid, and the policy behind it', () => {
    const [r] = renderFixture('cloudtrail/docs-organizations-effectivepolicyvalidation-invalid');
    expect(r?.subject).toBe('Backup policy INVALID: account 111111111111 (policy p-examplepolicyid111)');
    expect(r?.text).toMatch(/^'hourly_rule' exceeds the allowed maximum limit 10/);
  });

  it('says when the effective backup policy is valid again', () => {
    const [r] = renderFixture('cloudtrail/docs-organizations-effectivepolicyvalidation-valid');
    expect(r?.subject).toBe('Backup policy VALID again: account 111111111111');
  });

  it('speaks of the search index of a recovery point when no resource is named', () => {
    const [r] = renderFixture('backup-vault-sns/devguide-indexing-completed');
    expect(r?.text).toMatch(/^The search index of the recovery point abcd1234-5678-abcd-9012-abcdef123456 completed/);
  });
});
