import { describe, expect, it } from 'vitest';
import { renderText } from '../../../src/core/render/renderText.js';
import type { Signal } from '../../../src/core/signal.js';
import { failedBackup, policyBefore, policyUpdate, tamper, unparsed } from './sampleSignals.js';

describe('renderText', () => {
  const text = renderText(failedBackup);
  const lines = text.split('\n');

  it('starts with the status message', () => {
    expect(lines[0]).toBe(failedBackup.statusMessage);
  });

  it('states the severity as a word', () => {
    expect(text).toContain('CRITICAL: Backup FAILED: prod-db (RDS) in 111122223333 / eu-west-1');
    expect(text).toMatch(/^Severity: +CRITICAL$/m);
  });

  it('lists vault, resource (name, type, ARN), job id, account and region in that order', () => {
    const order = ['Vault:', 'Resource:', 'Resource type:', 'Resource ARN:', 'Backup job ID:', 'Account:', 'Region:'];
    const positions = order.map((label) => lines.findIndex((l) => l.startsWith(label)));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text).toMatch(/^Resource ARN: +arn:aws:rds:eu-west-1:111122223333:db:prod-db$/m);
  });

  it('gives times in ISO form with the duration when both ends are known', () => {
    expect(text).toMatch(/^Completed: +2026-11-21T03:17:30Z \(took 1 h 12 min\)$/m);
  });

  it('lists console links and ends with a footer naming Vaultpilot', () => {
    expect(text).toContain(`  AWS Backup backup job: ${failedBackup.links[0]?.url}`);
    expect(lines.at(-2)).toMatch(/^Vaultpilot · Backup Job State Change via eventbridge · signal /);
  });

  it('names the actor of a tamper signal', () => {
    expect(renderText(tamper)).toMatch(/^Actor: +mallory$/m);
  });

  it('includes the policy diff', () => {
    const body = renderText(policyUpdate, { previousPolicyContent: policyBefore });
    expect(body).toContain('Policy: Changes since the previous version');
    expect(body).toContain('  ~ plan Daily, rule Daily: delete after 2 days → 7 days');
    expect(body).toContain('  + plan Weekly (new plan)');
  });

  it('summarizes the whole document in words when no previous version is known', () => {
    const body = renderText(policyUpdate);
    expect(body).toContain('Policy: Summary of the whole document (no earlier version known to compare with)');
    expect(body).toContain('\n      delete after 7 days\n');
    expect(body).not.toContain('"delete_after_days"');
  });

  it('shows the reason and a short labelled excerpt for unparsed input, never the whole input', () => {
    const body = renderText(unparsed);
    expect(body).toContain(unparsed.reason);
    expect(body).toMatch(/^Input excerpt \(first 160 characters at most, for diagnosis only\):$/m);
    expect(body).not.toContain(JSON.stringify(unparsed.raw));
    expect(body).not.toContain(JSON.stringify(unparsed.raw, null, 2));
  });

  it('keeps a very long status message readable and bounded', () => {
    const long: Signal = { ...failedBackup, statusMessage: `Error: ${'disk full; '.repeat(2_000)}` };
    const body = renderText(long);
    expect(body.length).toBeLessThan(6_000);
    expect(body.split('\n')[0]?.endsWith('…')).toBe(true);
  });

  it('stays well below the SNS message size limit with many long details and a large policy diff', () => {
    const heavy: Signal = {
      ...policyUpdate,
      details: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`Detail ${i}`, '日'.repeat(2_000)])),
    };
    const previous = JSON.stringify(
      Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, '語'.repeat(300)])),
    );
    const body = renderText(heavy, { previousPolicyContent: previous });
    expect(new TextEncoder().encode(body).length).toBeLessThan(200_000);
    expect(body).toMatch(/^More details: +460 not shown/m);
    expect(body.trimEnd().split('\n').at(-1)).toMatch(/^Vaultpilot · /);
  });

  it('never carries control characters from the input', () => {
    const noisy: Signal = { ...failedBackup, statusMessage: 'bad\u0000\u0007 thing\r\nnext line' };
    const body = renderText(noisy);
    expect(body).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(body.startsWith('bad   thing\nnext line')).toBe(true);
  });
});
