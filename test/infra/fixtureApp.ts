import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { VaultpilotConfig } from '../../src/core/config/configSchema.js';
import { requireConfig } from '../../src/core/config/parseConfig.js';
import {
  ACTION_HANDLER_ENTRIES,
  type ActionHandlerName,
  CENTRAL_ACTION_HANDLER_ENTRIES,
  type CentralActionHandlerName,
  HANDLER_ENTRIES,
} from '../../src/core/deployment/contract.js';
import { type BuildAppOptions, buildApp, type VaultpilotApp } from '../../src/infra/app.js';

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '../..');
export const FULL_CONFIG_PATH = join(here, 'fixtures/vaultpilot.config.yaml');
export const MINIMAL_CONFIG_PATH = join(here, 'fixtures/minimal.config.yaml');

/** Every action handler pointed at one stub, so infra tests never bundle the handlers being written. */
export const ACTION_HANDLER_STUB = join(here, 'fixtures/actionHandlerStub.ts');
export const ACTION_HANDLER_STUBS = Object.fromEntries(
  [...Object.keys(ACTION_HANDLER_ENTRIES), ...Object.keys(CENTRAL_ACTION_HANDLER_ENTRIES)].map((name) => [
    name,
    ACTION_HANDLER_STUB,
  ]),
) as Record<ActionHandlerName | CentralActionHandlerName, string>;

/** Reads a fixture configuration through the real parser. */
export function fixtureConfig(path = FULL_CONFIG_PATH): VaultpilotConfig {
  return requireConfig(readFileSync(path, 'utf8'), path);
}

/** The handler entries that do not exist yet (the app cannot bundle them). */
export function missingHandlers(): string[] {
  return Object.values(HANDLER_ENTRIES).filter((entry) => !existsSync(join(projectRoot, entry)));
}

export interface SynthesizedApp extends VaultpilotApp {
  readonly assembly: CloudAssembly;
  readonly template: (stack: Stack) => Template;
}

/** Builds and synthesizes the app once; tests share the result (synthesis bundles every function). */
export function synthesizeFixtureApp(path = FULL_CONFIG_PATH, options: BuildAppOptions = {}): SynthesizedApp {
  const built = buildApp(fixtureConfig(path), {
    outdir: mkdtempSync(join(tmpdir(), 'vaultpilot-cdk-test-')),
    cloudFormationValidation: false,
    nag: false,
    projectRoot,
    ...options,
  });
  const assembly = built.app.synth();
  const templates = new Map<Stack, Template>();
  return {
    ...built,
    assembly,
    template: (stack) => {
      let template = templates.get(stack);
      if (!template) {
        template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
        templates.set(stack, template);
      }
      return template;
    },
  };
}
