import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/CliContext.js';
import { schemaReferenceFor } from '../../src/cli/commands/init.js';
import { loadConfigForCommand } from '../../src/cli/loadConfig.js';
import { parseConfig } from '../../src/core/config/parseConfig.js';
import { type CliRun, runCli, testContext } from './runCli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `vaultpilot <argv>` in `cwd` with captured output. */
const run = (cwd: string, ...argv: string[]): Promise<CliRun> => runCli(argv, { cwd });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vaultpilot-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const BROKEN = `organization:
  id: o-a1b2c3d4e5
  managementAccount: 111122223333
central:
  account: '444455556666'
  region: eu-west-1
members:
  organizationalUnits: [ou-ab12-cd34ef56]
  regoins: [eu-west-1]
notifications:
  defaultChannel: ops
  channels:
    - name: ops
      type: email
      addresses: [ops@example.com]
`;

describe('vaultpilot init', () => {
  it('writes vaultpilot.config.yaml in the current directory, which then validates', async () => {
    const init = await run(dir, 'init');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote vaultpilot.config.yaml');
    const text = readFileSync(join(dir, 'vaultpilot.config.yaml'), 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=/);
    const result = parseConfig(text);
    expect(result.ok).toBe(true);

    const validate = await run(dir, 'validate');
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/^vaultpilot\.config\.yaml is valid: organization o-exampleorg1 · /);
  });

  it('warns while the example ids of the starter are still in place', async () => {
    await run(dir, 'init');
    const validate = await run(dir, 'validate');
    expect(validate.stderr).toContain('organization.id — warning: o-exampleorg1 is the example value');
    expect(validate.stderr).toContain('central.account — warning:');
    // Nothing else: the starter itself follows every recommendation validate makes.
    const warnings = validate.stderr.split('\n').filter((line) => line.includes('— warning:'));
    expect(warnings.filter((line) => !line.includes('is the example value'))).toEqual([]);
  });

  it('explains every top-level section of the starter in a comment just above it', async () => {
    await run(dir, 'init');
    const lines = readFileSync(join(dir, 'vaultpilot.config.yaml'), 'utf8').split('\n');
    const sections = lines.flatMap((line, i) => (/^[a-zA-Z]+:/.test(line) ? [i] : []));
    expect(sections.length).toBe(10);
    for (const i of sections.filter((i) => !lines[i]!.startsWith('version:'))) {
      expect(lines[i - 1], lines[i]).toMatch(/^# /);
    }
  });

  it('refuses to overwrite an existing file without --force', async () => {
    writeFileSync(join(dir, 'vaultpilot.config.yaml'), 'mine\n');
    const again = await run(dir, 'init');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('vaultpilot.config.yaml already exists; use --force to overwrite it');
    expect(readFileSync(join(dir, 'vaultpilot.config.yaml'), 'utf8')).toBe('mine\n');

    const forced = await run(dir, 'init', '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'vaultpilot.config.yaml'), 'utf8')).toContain('organization:');
  });

  it('writes to the file given and points the editor at the schema shipped with the package', async () => {
    const result = await run(dir, 'init', 'org.yaml');
    expect(result.code).toBe(0);
    const firstLine = readFileSync(join(dir, 'org.yaml'), 'utf8').split('\n')[0]!;
    const reference = firstLine.replace('# yaml-language-server: $schema=', '');
    expect(join(dir, reference)).toBe(join(root, 'schema/vaultpilot.config.schema.json'));
  });

  it('says when the folder does not exist', async () => {
    const result = await run(dir, 'init', 'missing/dir/config.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('its folder does not exist');
  });
});

describe('schemaReferenceFor', () => {
  it('is relative to the config file and uses forward slashes', () => {
    expect(
      schemaReferenceFor('/home/me/org/vaultpilot.config.yaml', '/home/me/org/node_modules/vaultpilot/schema/s.json'),
    ).toBe('./node_modules/vaultpilot/schema/s.json');
    expect(schemaReferenceFor('/a/b/c.yaml', '/a/schema/s.json')).toBe('../schema/s.json');
  });
});

describe('vaultpilot validate', () => {
  it('prints every problem as file:line:column path — message (hint) and exits 1', async () => {
    writeFileSync(join(dir, 'vaultpilot.config.yaml'), BROKEN);
    const result = await run(dir, 'validate');
    expect(result.code).toBe(1);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      "vaultpilot.config.yaml:3:22 organization.managementAccount — must be text, not the number 111122223333 (put it in quotes, '111122223333': YAML reads bare digits as a number and drops leading zeros)",
      'vaultpilot.config.yaml:8:3 members.regions — is required (add `regions:` here)',
      'vaultpilot.config.yaml:9:3 members.regoins — unknown setting `regoins` (did you mean `regions`?)',
      '3 problems in vaultpilot.config.yaml',
    ]);
  });

  it('validates the file given as argument', async () => {
    const result = await run(root, 'validate', 'examples/vaultpilot.config.yaml');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'examples/vaultpilot.config.yaml is valid: organization o-7k2m9q4x1z · central account 123456789012 in eu-west-1 · ' +
        '2 OUs × 3 Regions · 4 watched vaults · 4 channels, 3 routes · RPO 26 h by default · digest at 07:30 Europe/Dublin\n',
    );
    expect(result.stderr).toBe('');
  });

  it('gives machine-readable output with --json', async () => {
    writeFileSync(join(dir, 'c.yaml'), BROKEN);
    const result = await run(dir, 'validate', 'c.yaml', '--json');
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout);
    expect(output.file).toBe('c.yaml');
    expect(output.ok).toBe(false);
    expect(output.problems).toHaveLength(3);
    expect(output.problems[2]).toEqual({
      path: 'members.regoins',
      message: 'unknown setting `regoins`',
      hint: 'did you mean `regions`?',
      line: 9,
      column: 3,
    });
  });

  it('reports valid JSON output with the summary', async () => {
    const result = await run(root, 'validate', 'examples/vaultpilot.config.yaml', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, problems: [], warnings: [] });
  });

  it('reports a missing file as a problem and suggests init', async () => {
    const result = await run(dir, 'validate');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('vaultpilot.config.yaml — file not found (run `vaultpilot init`');
  });

  it('prints warnings on stderr without failing', async () => {
    const text = readFileSync(join(root, 'examples/vaultpilot.config.yaml'), 'utf8').replace(
      /account: ["']123456789012["']/,
      "account: '210987654321'",
    );
    writeFileSync(join(dir, 'vaultpilot.config.yaml'), text);
    const result = await run(dir, 'validate');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /^vaultpilot\.config\.yaml:\d+:\d+ central\.account — warning: the central account is the management account/,
    );
  });
});

describe('loadConfigForCommand', () => {
  const ctx = (cwd: string) => testContext({ cwd });

  it('returns the validated configuration', async () => {
    const config = await loadConfigForCommand(ctx(root), 'examples/vaultpilot.config.yaml');
    expect(config.central.region).toBe('eu-west-1');
  });

  it('throws a CliError listing every problem', async () => {
    writeFileSync(join(dir, 'vaultpilot.config.yaml'), BROKEN);
    const error = await loadConfigForCommand(ctx(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message.split('\n')).toEqual([
      'vaultpilot.config.yaml is not valid (3 problem(s)):',
      expect.stringMatching(/^vaultpilot\.config\.yaml:3:22 organization\.managementAccount — /),
      expect.stringMatching(/^vaultpilot\.config\.yaml:8:3 members\.regions — /),
      expect.stringMatching(/^vaultpilot\.config\.yaml:9:3 members\.regoins — /),
    ]);
  });

  it('throws a CliError when the file is missing', async () => {
    await expect(loadConfigForCommand(ctx(dir), 'nope.yaml')).rejects.toThrow('nope.yaml — file not found');
  });
});
