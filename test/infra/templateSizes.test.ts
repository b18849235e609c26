import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { STACK_NAMES } from '../../src/infra/app.js';
import {
  checkTemplateSizes,
  INLINE_TEMPLATE_LIMIT_BYTES,
  S3_TEMPLATE_LIMIT_BYTES,
  STACKSET_BODY_STACKS,
  STACKSET_URL_STACKS,
  StackSetTemplateTooLargeError,
  TemplateTooLargeError,
} from '../../src/infra/templateSizes.js';
import { runCli } from '../cli/runCli.js';
import { FULL_CONFIG_PATH } from './fixtureApp.js';

const assemblyOf = (templates: Record<string, unknown>) =>
  ({
    stacks: Object.entries(templates).map(([stackName, template]) => ({ stackName, template })),
  }) as unknown as CloudAssembly;

describe('checkTemplateSizes', () => {
  it('marks templates over the 51,200-byte inline limit as needing an S3 upload', () => {
    const sizes = checkTemplateSizes(
      assemblyOf({ small: { Resources: {} }, big: { Description: 'x'.repeat(60_000) } }),
    );
    expect(sizes.map((s) => [s.stackName, s.needsS3Upload])).toEqual([
      ['small', false],
      ['big', true],
    ]);
  });

  it('refuses a template over 1 MB, which CloudFormation cannot take even from S3', () => {
    expect(() => checkTemplateSizes(assemblyOf({ huge: { Description: 'x'.repeat(1_000_001) } }))).toThrow(
      TemplateTooLargeError,
    );
  });

  it('refuses a StackSet template body over the inline limit (the member stack)', () => {
    expect(STACKSET_BODY_STACKS).toEqual([STACK_NAMES.member]);
    for (const name of STACKSET_BODY_STACKS) {
      expect(() => checkTemplateSizes(assemblyOf({ [name]: { Description: 'x'.repeat(60_000) } }))).toThrow(
        StackSetTemplateTooLargeError,
      );
    }
  });

  it('holds the StackSet template read from S3 (the actions member stack) to the 1 MB limit only', () => {
    expect(STACKSET_URL_STACKS).toEqual([STACK_NAMES.actionsMember]);
    const [size] = checkTemplateSizes(assemblyOf({ [STACK_NAMES.actionsMember]: { Description: 'x'.repeat(60_000) } }));
    expect(size?.bytes).toBeGreaterThan(INLINE_TEMPLATE_LIMIT_BYTES);
    const tooBig = () =>
      checkTemplateSizes(
        assemblyOf({ [STACK_NAMES.actionsMember]: { Description: 'x'.repeat(S3_TEMPLATE_LIMIT_BYTES) } }),
      );
    expect(tooBig).toThrow(StackSetTemplateTooLargeError);
    expect(tooBig).toThrow(/TemplateURL/);
  });
});

describe('vaultpilot synth with a central template over the inline limit', () => {
  it('synthesizes and says how to deploy it', async () => {
    const work = mkdtempSync(join(tmpdir(), 'vaultpilot-size-'));
    const many = Array.from({ length: 120 }, (_, i) => `person-${i}@example.com`).join(', ');
    const config = readFileSync(FULL_CONFIG_PATH, 'utf8').replace(
      'addresses: [backup-ops@example.com, oncall@example.com]',
      `addresses: [${many}]`,
    );
    writeFileSync(join(work, 'big.yaml'), config);
    const run = await runCli(['synth', '--config', 'big.yaml', '--out', 'out', '--no-validation'], { cwd: work });
    expect(run.stderr).not.toMatch(/vaultpilot: /);
    expect(run.code).toBe(0);
    const central = statSync(join(work, 'out', `${STACK_NAMES.central}.template.json`)).size;
    expect(central).toBeGreaterThan(INLINE_TEMPLATE_LIMIT_BYTES);
    expect(run.stdout).toMatch(
      /Vaultpilot-Central\.template\.json \([^)]*\) — over CloudFormation's 51200-byte inline limit/,
    );
  });
});
