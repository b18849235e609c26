import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONVERSION_TASKS } from '../../src/core/actions/exportWorkflow.js';
import { ACTION_HANDLER_ENTRIES, ACTIONS_ENV, ACTIONS_IMAGE } from '../../src/core/deployment/contract.js';
import { dependenciesFromEnvironment } from '../../src/functions/actions/actionEnvironment.js';
import * as imageHandlers from '../../src/functions/actions/imageHandlers.js';
import { projectRoot } from './fixtureApp.js';

const dockerfile = readFileSync(join(projectRoot, 'docker/actions/Dockerfile'), 'utf8');

describe('the conversion image', () => {
  it('exports one handler per conversion Task from the module the image runs', () => {
    expect(ACTIONS_IMAGE.entry).toBe(`src/${ACTIONS_IMAGE.handlerModule}.ts`);
    expect(existsSync(join(projectRoot, ACTIONS_IMAGE.entry))).toBe(true);
    const handlers = imageHandlers as unknown as Record<string, unknown>;
    for (const task of CONVERSION_TASKS) expect(typeof handlers[task], task).toBe('function');
  });

  it('builds dist/ and puts dist/src at LAMBDA_TASK_ROOT, so the functions’ CMD names the compiled module', () => {
    const build = JSON.parse(readFileSync(join(projectRoot, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    // dist/<path relative to the package root>: src/functions/… compiles to dist/src/functions/….
    expect(build.compilerOptions).toMatchObject({ rootDir: '.', outDir: 'dist' });
    expect(dockerfile).toMatch(/^FROM --platform=linux\/arm64 \$\{NODE_IMAGE\} AS build$/m);
    expect(dockerfile).toContain('ARG NODE_IMAGE=public.ecr.aws/lambda/nodejs:22');
    expect(dockerfile).toMatch(/RUN npm ci\b[^\n]*\n/);
    expect(dockerfile).toContain('RUN npm run build');
    expect(dockerfile).toContain('npm ci --omit=dev');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's variable
    expect(dockerfile).toContain('COPY --from=build /build/dist/src ${LAMBDA_TASK_ROOT}/');
    // "type": "module": the compiled handlers are ES modules.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's variable
    expect(dockerfile).toContain('COPY --from=build /build/package.json ${LAMBDA_TASK_ROOT}/package.json');
    expect(dockerfile).toContain(`CMD ["${ACTIONS_IMAGE.handlerModule}.${CONVERSION_TASKS[0]}"]`);
    const lock = readFileSync(join(projectRoot, 'package-lock.json'), 'utf8');
    expect(lock).toContain('"node_modules/@duckdb/node-bindings-linux-arm64"');
  });

  it('reads its settings from the environment: concurrency, DuckDB memory and spill directory, the archive bucket', () => {
    const deps = imageHandlers.conversionDependenciesFromEnvironment({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240' });
    expect(deps.concurrency).toBe(availableParallelism());
    expect(deps.duckdb).toEqual({ tempDirectory: '/tmp/duckdb', memoryLimit: '6144MB' });
    expect(() => deps.location('exports/x/')).toThrow(ACTIONS_ENV.archiveBucket);
    const configured = imageHandlers.conversionDependenciesFromEnvironment({
      [ACTIONS_ENV.archiveBucket]: 'archive',
      [ACTIONS_ENV.convertConcurrency]: '3',
      [ACTIONS_ENV.convertBatchBytes]: '1048576',
      [ACTIONS_ENV.duckDbMemoryLimit]: '2GB',
    });
    expect(configured.concurrency).toBe(3);
    expect(configured.targetBatchBytes).toBe(1_048_576);
    expect(configured.duckdb).toEqual({ tempDirectory: '/tmp/duckdb', memoryLimit: '2GB' });
    expect(configured.location('exports/a/').location).toBe('s3://archive/exports/a');
    expect(() =>
      imageHandlers.conversionDependenciesFromEnvironment({ [ACTIONS_ENV.convertConcurrency]: '0' }),
    ).toThrow(ACTIONS_ENV.convertConcurrency);
  });

  it('has an entry file for every API Task of the DynamoDB branch, and their dependencies', () => {
    for (const task of [
      'startRestore',
      'checkRestore',
      'enablePitr',
      'startTableExport',
      'checkTableExport',
      'deleteTemporaryTable',
    ] as const) {
      expect(existsSync(join(projectRoot, ACTION_HANDLER_ENTRIES[task])), task).toBe(true);
    }
    const deps = dependenciesFromEnvironment({ [ACTIONS_ENV.restoreRoleArn]: 'arn:aws:iam::1:role/r' });
    expect(deps.restoreRoleArn).toBe('arn:aws:iam::1:role/r');
    expect(deps.dynamodb).toBe(deps.dynamodb);
    expect(() => dependenciesFromEnvironment({}).restoreRoleArn).toThrow(ACTIONS_ENV.restoreRoleArn);
  });
});
