import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_NAMES } from '../../src/infra/app.js';
import { type CliRun, runCli } from '../cli/runCli.js';
import { FULL_CONFIG_PATH, MINIMAL_CONFIG_PATH, projectRoot } from './fixtureApp.js';

describe('vaultpilot synth', () => {
  const work = mkdtempSync(join(tmpdir(), 'vaultpilot-synth-'));
  let run: CliRun;

  beforeAll(async () => {
    run = await runCli(['synth', '--config', FULL_CONFIG_PATH, '--out', 'assembly', '--no-validation'], { cwd: work });
  });

  it('synthesizes every stack offline and exits 0', () => {
    expect(run.stderr).not.toMatch(/vaultpilot: /);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Synthesized 6 stacks into assembly/ (cdk-nag AwsSolutions: clean)');
  });

  it('writes and lists a template for each stack, in deployment order', () => {
    const listed = [...run.stdout.matchAll(/^ {2}(Vaultpilot-\S+)/gm)].map((m) => m[1]);
    // The fixture leaves actions off, so there is no Vaultpilot-Actions stack.
    const expected = [
      STACK_NAMES.central,
      STACK_NAMES.monitoring,
      STACK_NAMES.digest,
      STACK_NAMES.management,
      STACK_NAMES.memberStackSet,
      STACK_NAMES.member,
    ];
    expect(listed).toEqual(expected);
    for (const name of expected) {
      const path = join(work, 'assembly', `${name}.template.json`);
      expect(run.stdout).toContain(`assembly/${name}.template.json`);
      expect(JSON.parse(readFileSync(path, 'utf8')).Resources).toBeDefined();
    }
    expect(run.stdout).toMatch(/Vaultpilot-Central +account 222222222222, eu-west-1/);
    expect(run.stdout).toMatch(/Vaultpilot-Management +account 111111111111, us-east-1/);
  });

  it('lists the bundled Lambda code it wrote', () => {
    const assets = [
      ...run.stdout.matchAll(/asset +(assembly\/asset\.\w+)\/ \((\w+)\/Function\/Code: code [\d.]+ KiB/g),
    ];
    expect(assets.map((m) => m[2]).sort()).toEqual(['Delivery', 'Digest', 'PolicyInventory', 'Router', 'RpoCheck']);
    for (const [, path] of assets) expect(existsSync(join(work, path as string, 'index.mjs'))).toBe(true);
  });

  it('refers to Lambda code in a named bucket, without the CDK bootstrap check, for plain CloudFormation', async () => {
    const portable = await runCli(
      [
        'synth',
        '--config',
        MINIMAL_CONFIG_PATH,
        '--out',
        'portable',
        '--no-validation',
        '--assets-bucket',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation placeholder, resolved per stack
        'code-${AWS::Region}',
      ],
      { cwd: work },
    );
    expect(portable.code).toBe(0);
    const central = JSON.parse(readFileSync(join(work, 'portable', `${STACK_NAMES.central}.template.json`), 'utf8'));
    expect(central.Parameters?.BootstrapVersion).toBeUndefined();
    expect(central.Rules?.CheckBootstrapVersion).toBeUndefined();
    const functions = Object.values(
      central.Resources as Record<string, { Type: string; Properties: { Code: unknown } }>,
    )
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Code);
    expect(functions).toHaveLength(2);
    for (const code of functions)
      expect(code).toEqual({ S3Bucket: 'code-us-east-1', S3Key: expect.stringMatching(/^\w{64}\.zip$/) });
  });

  it('explains every problem of a bad configuration and writes nothing', async () => {
    writeFileSync(join(work, 'bad.yaml'), 'organization:\n  id: not-an-org\n');
    const bad = await runCli(['synth', '--config', 'bad.yaml', '--out', 'never'], { cwd: work });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yaml is not valid \(\d+ problem\(s\)\)/);
    expect(bad.stderr).toContain('organization.id');
    expect(bad.stderr).toContain('central');
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('says how to get a configuration when the file is missing', async () => {
    const missing = await runCli(['synth', '--config', 'nowhere.yaml'], { cwd: work });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('file not found');
    expect(missing.stderr).toContain('vaultpilot init');
  });

  it('writes the actions member template file the actions StackSet reads, and says where to upload it', async () => {
    const example = join(projectRoot, 'examples/vaultpilot.config.yaml');
    const actions = await runCli(['synth', '--config', example, '--out', 'actions', '--no-validation'], { cwd: work });
    expect(actions.stderr).not.toMatch(/vaultpilot: /);
    expect(actions.code).toBe(0);
    const file = /template file +(actions\/vaultpilot-actions-member-([0-9a-f]{12})\.json)/.exec(actions.stdout);
    expect(file, actions.stdout).not.toBeNull();
    const body = readFileSync(join(work, file?.[1] ?? ''), 'utf8');
    expect(createHash('sha256').update(body).digest('hex').slice(0, 12)).toBe(file?.[2]);
    expect(actions.stdout).toContain(
      `upload to      s3://vaultpilot-actions-code-123456789012-eu-west-1/vaultpilot-actions-member-${file?.[2]}.json`,
    );
    const stackSet = JSON.parse(
      readFileSync(join(work, 'actions', `${STACK_NAMES.actionsStackSet}.template.json`), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const resource = Object.values(stackSet.Resources).find((r) => r.Type === 'AWS::CloudFormation::StackSet');
    expect(resource?.Properties.TemplateURL).toMatch(new RegExp(`/vaultpilot-actions-member-${file?.[2]}\\.json$`));
    expect(body).toBe(
      JSON.stringify(
        JSON.parse(readFileSync(join(work, 'actions', `${STACK_NAMES.actionsMember}.template.json`), 'utf8')),
      ),
    );
  });
});
