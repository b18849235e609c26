import './polyfill.js';
import { createRequire } from 'node:module';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  ACTION_ERRORS,
  ACTION_TASKS,
  type ActionTask,
  EXPORT_STATES,
  EXPORT_TIMING,
  IMAGE_TASKS,
  LAMBDA_SERVICE_ERRORS,
  TASK_STATES,
} from '../../../src/core/actions/exportWorkflow.js';
import { definitionFromTemplate, placeholderLambdaArn } from '../../../src/infra/workflows/definitionFromTemplate.js';
import {
  CLEANED_UP_TASK_STATES,
  DELETION_REQUESTED_STATE,
  ExportWorkflow,
  failedAtState,
} from '../../../src/infra/workflows/ExportWorkflow.js';

type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxAttempts?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
};
type Catcher = { ErrorEquals: string[]; Next: string; ResultPath?: string };
type AslState = {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  TimeoutSeconds?: number;
  ResultPath?: string;
  Result?: unknown;
  Parameters?: unknown;
  InputPath?: string;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Seconds?: number;
  SecondsPath?: string;
  Choices?: Array<Record<string, unknown> & { Next: string }>;
  Default?: string;
  Error?: string;
  Cause?: string;
  ItemsPath?: string;
  ItemSelector?: Record<string, unknown>;
  MaxConcurrency?: number;
  ItemProcessor?: { StartAt: string; States: Record<string, AslState> };
};
type Asl = { StartAt: string; TimeoutSeconds?: number; States: Record<string, AslState> };

type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/** A tiny stack holding the workflow with inline stub functions, synthesized with cdk-nag on. */
function synthesize() {
  const app = new App();
  const stack = new Stack(app, 'Workflow', { env: { account: '111122223333', region: 'eu-west-1' } });
  const stub = (name: string) =>
    new lambda.Function(stack, name, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    });
  const fns = Object.fromEntries(ACTION_TASKS.map((name) => [name, stub(name)])) as Record<ActionTask, lambda.Function>;
  // The stubs' own findings (basic execution role, runtime) are not the workflow's.
  for (const fn of Object.values(fns)) {
    Validations.of(fn).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-L1', reason: 'test stub' },
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'test stub',
      },
    );
  }
  const logKey = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
  const workflow = new ExportWorkflow(stack, 'Export', { tasks: fns, logKey });
  // A finding that is not acknowledged fails synthesis.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = app.synth().getStackArtifact(stack.artifactId).template as object;
  return {
    template,
    fns,
    stack,
    workflow,
    logicalId: (fn: lambda.Function) => stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction),
  };
}

const synthesized = synthesize();
const asl = definitionFromTemplate(synthesized.template) as unknown as Asl;
/** Every state, those inside the Map states' ItemProcessors too (their names are unique across the definition). */
const states: Record<string, AslState> = Object.fromEntries(
  Object.entries(asl.States).flatMap(([name, s]) => [[name, s], ...Object.entries(s.ItemProcessor?.States ?? {})]),
);
const mapStates = Object.entries(asl.States).filter(([, s]) => s.Type === 'Map');
const state = (name: string): AslState => {
  const found = states[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
};
const taskStates = Object.entries(states).filter(([, s]) => s.Type === 'Task');

describe('ExportWorkflow definition', () => {
  it('has every state of the contract, starting at Describe source', () => {
    for (const name of Object.values(EXPORT_STATES)) expect(states, name).toHaveProperty([name]);
    expect(asl.StartAt).toBe(EXPORT_STATES.describeSource);
    expect(asl.TimeoutSeconds).toBe(EXPORT_TIMING.executionTimeoutHours * 3600);
  });

  it('calls each Task function directly with the whole state, writing its result under its key', () => {
    for (const name of ACTION_TASKS) {
      const { state: stateName, resultKey } = TASK_STATES[name];
      const s = state(stateName);
      expect(s.Resource, stateName).toBe(placeholderLambdaArn(synthesized.logicalId(synthesized.fns[name])));
      expect(s.ResultPath, stateName).toBe(resultKey ? `$.${resultKey}` : undefined);
    }
    const recorder = placeholderLambdaArn(synthesized.logicalId(synthesized.fns.recordOutcome));
    for (const name of [EXPORT_STATES.recordNotExportable, EXPORT_STATES.recordFailure]) {
      expect(state(name).Resource).toBe(recorder);
      expect(state(name).ResultPath).toBe('$.outcome');
    }
    expect(taskStates).toHaveLength(ACTION_TASKS.length + 2);
    for (const [name, s] of taskStates) {
      expect(s.Resource, name).toMatch(/^arn:aws:lambda:/);
      expect(s.Resource, name).not.toMatch(/\.sync|waitForTaskToken/);
      // No Parameters and no InputPath: the function receives the whole state.
      expect(s.InputPath ?? '$', name).toBe('$');
      expect(s.Parameters, name).toBeUndefined();
    }
  });

  it('gives every Task a timeout, the Lambda service retries and the transient retry', () => {
    const conversionStates = new Set<string>(IMAGE_TASKS.map((t) => TASK_STATES[t].state));
    for (const [name, s] of taskStates) {
      expect(s.TimeoutSeconds, name).toBe(
        conversionStates.has(name) ? EXPORT_TIMING.conversionTaskTimeoutSeconds : EXPORT_TIMING.taskTimeoutSeconds,
      );
      const retries = s.Retry ?? [];
      expect(retries[0], name).toEqual({
        ErrorEquals: [...LAMBDA_SERVICE_ERRORS],
        IntervalSeconds: 2,
        BackoffRate: 2,
        MaxAttempts: 6,
      });
      const t = EXPORT_TIMING.transientRetry;
      expect(retries[1], name).toEqual({
        ErrorEquals: [ACTION_ERRORS.transient],
        IntervalSeconds: t.intervalSeconds,
        BackoffRate: t.backoffRate,
        MaxDelaySeconds: t.maxDelaySeconds,
        MaxAttempts: t.maxAttempts,
        JitterStrategy: 'FULL',
      });
      expect(
        retries.flatMap((r) => r.ErrorEquals),
        name,
      ).not.toContain('States.ALL');
    }
  });

  it('queues Start export on ExportSlotsBusy, retries Describe source and Confirm deletion by name', () => {
    const retryOf = (name: string, error: string) => state(name).Retry?.find((r) => r.ErrorEquals.includes(error));
    const slot = EXPORT_TIMING.slotRetry;
    expect(retryOf(EXPORT_STATES.startExport, ACTION_ERRORS.exportSlotsBusy)).toEqual({
      ErrorEquals: [ACTION_ERRORS.exportSlotsBusy],
      IntervalSeconds: slot.intervalSeconds,
      BackoffRate: slot.backoffRate,
      MaxDelaySeconds: slot.maxDelaySeconds,
      MaxAttempts: slot.maxAttempts,
      JitterStrategy: 'FULL',
    });
    expect(retryOf(EXPORT_STATES.describeSource, ACTION_ERRORS.sourceNotReady)).toMatchObject({
      IntervalSeconds: EXPORT_TIMING.sourceRetry.intervalSeconds,
      MaxAttempts: EXPORT_TIMING.sourceRetry.maxAttempts,
    });
    expect(retryOf(EXPORT_STATES.confirmDeletion, ACTION_ERRORS.deletionPending)).toMatchObject({
      IntervalSeconds: EXPORT_TIMING.confirmRetry.intervalSeconds,
      MaxAttempts: EXPORT_TIMING.confirmRetry.maxAttempts,
    });
    expect(retryOf(EXPORT_STATES.cleanUp, ACTION_ERRORS.cleanupPending)).toMatchObject({
      IntervalSeconds: EXPORT_TIMING.cleanupRetry.intervalSeconds,
      MaxAttempts: EXPORT_TIMING.cleanupRetry.maxAttempts,
    });
    expect(retryOf(EXPORT_STATES.checkExport, ACTION_ERRORS.exportSlotsBusy)).toBeUndefined();
  });

  it('catches every working Task into its Failed at … Pass, then Clean up', () => {
    for (const name of CLEANED_UP_TASK_STATES) {
      expect(state(name).Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: failedAtState(name) },
      ]);
      const pass = state(failedAtState(name));
      expect(pass).toMatchObject({
        Type: 'Pass',
        Result: name,
        ResultPath: '$.failedStep',
        Next: EXPORT_STATES.cleanUp,
      });
    }
    // A Task inside a Map has no Catch of its own: its failure fails the Map state, which is caught.
    const inMaps = [
      EXPORT_STATES.scanBatch,
      EXPORT_STATES.convertBatch,
      EXPORT_STATES.archiveShard,
      EXPORT_STATES.verifyShard,
    ];
    for (const name of inMaps) expect(state(name).Catch, name).toBeUndefined();
    const cleanedUp = new Set([
      ...CLEANED_UP_TASK_STATES,
      ...inMaps,
      EXPORT_STATES.confirmDeletion,
      EXPORT_STATES.cleanUp,
      EXPORT_STATES.recordFailure,
    ]);
    expect(taskStates.map(([name]) => name).filter((name) => !cleanedUp.has(name))).toEqual([]);
  });

  it('reports an unconfirmed deletion with the outcome, never cleaning up a verified export', () => {
    expect(state(EXPORT_STATES.confirmDeletion).Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.deletionError', Next: EXPORT_STATES.deletionUnconfirmed },
    ]);
    expect(state(EXPORT_STATES.deletionUnconfirmed)).toMatchObject({ Type: 'Pass', Next: EXPORT_STATES.recordOutcome });
    expect(state(EXPORT_STATES.confirmDeletion).Next).toBe(EXPORT_STATES.recordOutcome);
  });

  it('ends failures in Clean up → Record failure → Export failed', () => {
    expect(state(EXPORT_STATES.cleanUp)).toMatchObject({
      Next: EXPORT_STATES.recordFailure,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.cleanupError', Next: EXPORT_STATES.recordFailure }],
    });
    expect(state(EXPORT_STATES.recordFailure)).toMatchObject({
      Next: EXPORT_STATES.failed,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: EXPORT_STATES.failed }],
    });
    expect(state(EXPORT_STATES.failed)).toMatchObject({ Type: 'Fail', Error: 'ExportFailed' });
    expect(state(EXPORT_STATES.failed).Cause).toBeTruthy();
    expect(state(EXPORT_STATES.exportTaskFailed)).toMatchObject({ Type: 'Pass', Next: EXPORT_STATES.cleanUp });
  });

  it('dispatches by resource type: RDS and Aurora to their exporter, anything else recorded as not exportable', () => {
    const dispatch = state(EXPORT_STATES.resourceType);
    expect(dispatch.Type).toBe('Choice');
    expect(JSON.stringify(dispatch.Choices)).toContain('"RDS"');
    expect(JSON.stringify(dispatch.Choices)).toContain('"Aurora"');
    expect(dispatch.Choices?.[0]?.Next).toBe(EXPORT_STATES.startExport);
    expect(dispatch.Default).toBe(EXPORT_STATES.noExporter);
    expect(state(EXPORT_STATES.noExporter).Next).toBe(EXPORT_STATES.recordNotExportable);
    expect(state(EXPORT_STATES.exportable).Default).toBe(EXPORT_STATES.resourceType);
  });

  it('runs the DynamoDB branch: restore or not, polls, deletes the table once exported, converts over two Maps', () => {
    expect(state(EXPORT_STATES.resourceType).Choices?.find((c) => JSON.stringify(c).includes('"DynamoDB"'))?.Next).toBe(
      EXPORT_STATES.exportFrom,
    );
    const from = state(EXPORT_STATES.exportFrom);
    expect(from.Choices?.[0]).toMatchObject({ Variable: '$.source.exportFrom', StringEquals: 'source-pitr' });
    expect(from.Choices?.[0]?.Next).toBe(EXPORT_STATES.startTableExport);
    expect(from.Default).toBe(EXPORT_STATES.startRestore);
    expect(state(EXPORT_STATES.waitForRestore)).toEqual({
      Type: 'Wait',
      SecondsPath: '$.restore.waitSeconds',
      Next: EXPORT_STATES.checkRestore,
    });
    expect(state(EXPORT_STATES.restoreFinished).Default).toBe(EXPORT_STATES.waitForRestore);
    expect(state(EXPORT_STATES.restoreFailed)).toMatchObject({
      Type: 'Pass',
      ResultPath: '$.failure',
      Next: failedAtState(EXPORT_STATES.checkRestore),
    });
    expect(state(EXPORT_STATES.tableExportFailed).Next).toBe(failedAtState(EXPORT_STATES.checkTableExport));
    expect(
      state(EXPORT_STATES.enablePitr).Retry?.find((r) => r.ErrorEquals.includes(ACTION_ERRORS.pitrPending)),
    ).toMatchObject({ MaxAttempts: EXPORT_TIMING.pitrRetry.maxAttempts });
    expect(
      state(EXPORT_STATES.tableExportFinished).Choices?.find((c) => JSON.stringify(c).includes('COMPLETED'))?.Next,
    ).toBe(EXPORT_STATES.deleteTemporaryTable);
    expect(state(EXPORT_STATES.deleteTemporaryTable).Next).toBe(EXPORT_STATES.planConversion);
    expect(state(EXPORT_STATES.finishConversion).Next).toBe(EXPORT_STATES.writeManifest);
    const conversionMaps = mapStates.filter(([name]) =>
      [EXPORT_STATES.convertFiles, EXPORT_STATES.scanFiles].includes(name as never),
    );
    expect(conversionMaps).toHaveLength(2);
    for (const [name, map] of conversionMaps) {
      expect(map.ItemsPath, name).toBe('$.conversion.batches');
      expect(map.ItemSelector?.['batch.$'], name).toBe('$$.Map.Item.Value');
      expect(map.MaxConcurrency, name).toBe(EXPORT_TIMING.conversionConcurrency);
      // The iterations' outputs are discarded: the state keeps its size whatever the number of batches.
      expect(map.ResultPath, name).toBeNull();
      expect(Object.keys(map.ItemProcessor?.States ?? {}), name).toHaveLength(1);
    }
  });

  it('runs the EBS branch: plan, archive and verify the shards over two Maps, merge, then the shared tail', () => {
    expect(state(EXPORT_STATES.resourceType).Choices?.find((c) => JSON.stringify(c).includes('"EBS"'))?.Next).toBe(
      EXPORT_STATES.planArchive,
    );
    expect(state(EXPORT_STATES.planArchive).Next).toBe(EXPORT_STATES.archiveShards);
    expect(state(EXPORT_STATES.archiveShards).Next).toBe(EXPORT_STATES.verifyShards);
    expect(state(EXPORT_STATES.verifyShards).Next).toBe(EXPORT_STATES.mergeArchive);
    expect(state(EXPORT_STATES.mergeArchive).Next).toBe(EXPORT_STATES.writeManifest);
    for (const name of [EXPORT_STATES.archiveShards, EXPORT_STATES.verifyShards]) {
      const map = state(name);
      expect(map.ItemsPath, name).toBe('$.archive.shards');
      expect(map.ItemSelector?.['shard.$'], name).toBe('$$.Map.Item.Value');
      expect(map.MaxConcurrency, name).toBe(EXPORT_TIMING.archiveShardConcurrency);
      expect(map.ResultPath, name).toBeNull();
    }
  });

  it('polls with Wait states, never sleeping in a Task', () => {
    expect(state(EXPORT_STATES.waitForExport)).toEqual({
      Type: 'Wait',
      SecondsPath: '$.export.waitSeconds',
      Next: EXPORT_STATES.checkExport,
    });
    expect(state(EXPORT_STATES.waitBeforeConfirming)).toMatchObject({
      Type: 'Wait',
      Seconds: EXPORT_TIMING.confirmAfterSeconds,
      Next: EXPORT_STATES.confirmDeletion,
    });
    expect(state(EXPORT_STATES.exportFinished).Default).toBe(EXPORT_STATES.waitForExport);
    expect(state(DELETION_REQUESTED_STATE).Default).toBe(EXPORT_STATES.recordOutcome);
  });

  it('is valid Amazon States Language', () => {
    const result = aslValidator(asl);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });
});

describe('ExportWorkflow resources', () => {
  const template = Template.fromJSON(synthesized.template);

  it('is a STANDARD, traced state machine logging to an encrypted log group without execution data', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0]?.Properties?.KmsKeyId).toBeDefined();
  });

  it('accepts an execution timeout', () => {
    const app = new App();
    const stack = new Stack(app, 'Short');
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    });
    const fns = Object.fromEntries(ACTION_TASKS.map((name) => [name, fn])) as unknown as Record<
      ActionTask,
      lambda.IFunction
    >;
    new ExportWorkflow(stack, 'Export', { tasks: fns, timeout: Duration.hours(2) });
    const definition = definitionFromTemplate(Template.fromStack(stack).toJSON()) as unknown as Asl;
    expect(definition.TimeoutSeconds).toBe(7200);
  });
});

describe('definitionFromTemplate', () => {
  it('refuses templates without exactly one state machine, and unresolvable references', () => {
    expect(() => definitionFromTemplate({ Resources: {} })).toThrow(/exactly one/);
    const machine = (definition: unknown) => ({
      Resources: {
        Bucket: { Type: 'AWS::S3::Bucket' },
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: definition } },
      },
    });
    expect(() => definitionFromTemplate(machine({ 'Fn::Join': ['', ['{"a":"', { Ref: 'Bucket' }, '"}']] }))).toThrow(
      /Bucket \(AWS::S3::Bucket\)/,
    );
    expect(() => definitionFromTemplate(machine({ 'Fn::Sub': 'x' }))).toThrow(/cannot resolve/);
    expect(definitionFromTemplate(machine({ 'Fn::Join': ['', ['{"p":"', { Ref: 'AWS::Partition' }, '"}']] }))).toEqual({
      p: 'aws',
    });
  });
});

/** Fake handlers returning fixed shapes, keyed by state name. */
function happyHandlers(calls: string[], overrides: Record<string, (input: unknown) => unknown> = {}) {
  const exportProgress = (status: string, pollCount: number) => ({
    exportTaskIdentifier: 'vp-prod-db-1',
    status,
    s3Bucket: 'archive',
    s3Prefix: 'exports/rds/prod-db',
    percentProgress: status === 'COMPLETE' ? 100 : 50,
    startedAt: '2026-12-03T00:00:00Z',
    pollCount,
    waitSeconds: 60,
  });
  let polls = 0;
  const fixed: Record<string, (input: unknown) => unknown> = {
    [EXPORT_STATES.describeSource]: () => ({
      exportable: true,
      engine: 'postgres',
      status: 'available',
      encrypted: true,
      tags: {},
    }),
    [EXPORT_STATES.startExport]: () => exportProgress('STARTING', 0),
    [EXPORT_STATES.checkExport]: () => {
      polls += 1;
      return exportProgress(polls < 2 ? 'IN_PROGRESS' : 'COMPLETE', polls);
    },
    [EXPORT_STATES.verifyExport]: () => ({
      complete: true,
      tables: 2,
      completeTables: 2,
      objects: 4,
      bytes: 1024,
      warnings: [],
      detailKey: 'work/detail.json',
    }),
    [EXPORT_STATES.writeManifest]: () => ({
      manifestKey: 'exports/rds/prod-db/manifest.json',
      latestKey: 'latest/prod-db.json',
    }),
    [EXPORT_STATES.deleteRecoveryPoint]: () => ({ status: 'requested' }),
    [EXPORT_STATES.confirmDeletion]: () => ({ status: 'deleted' }),
    [EXPORT_STATES.recordOutcome]: () => ({ outcome: 'exported' }),
    [EXPORT_STATES.recordNotExportable]: () => ({ outcome: 'not-exportable' }),
    [EXPORT_STATES.cleanUp]: () => ({ exportCancelled: false, objectsDeleted: 0, leftBehind: [] }),
    [EXPORT_STATES.recordFailure]: () => ({ outcome: 'failed' }),
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(fixed).map(([name, fn]) => [
      name,
      // biome-ignore lint/suspicious/noExplicitAny: the local runner's JSONValue type
      async (input: any) => {
        calls.push(name);
        return fn(input) as never;
      },
    ]),
  );
}

const REQUEST = {
  workflow: 'rds-export-parquet',
  recoveryPointArn: 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1',
  resourceType: 'RDS',
  vault: 'prod-vault',
  account: '111122223333',
  region: 'eu-west-1',
  resourceName: 'prod-db',
  trigger: 'Backup Job State Change',
  fromBackup: true,
  deleteAfterExport: true,
  attempt: 1,
  exportTaskIdentifier: 'vp-prod-db-1',
  s3Prefix: 'exports/rds/prod-db',
  requestedAt: '2026-12-03T00:00:00Z',
};

async function run(handlers: ReturnType<typeof happyHandlers>, request: object = REQUEST) {
  const machine = new StateMachine(asl as never, { validationOptions: { checkArn: false } });
  const execution = machine.run({ request } as never, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: { [EXPORT_STATES.waitForExport]: 0, [EXPORT_STATES.waitBeforeConfirming]: 0 },
      retryIntervalOverrides: Object.fromEntries(taskStates.map(([name]) => [name, 0])),
    },
  });
  return (await execution.result) as Record<string, unknown>;
}

describe('ExportWorkflow run locally (aws-local-stepfunctions)', () => {
  it('runs the happy path: export, poll, verify, manifest, delete, confirm, record', async () => {
    const calls: string[] = [];
    const output = await run(happyHandlers(calls));
    expect(calls).toEqual([
      EXPORT_STATES.describeSource,
      EXPORT_STATES.startExport,
      EXPORT_STATES.checkExport,
      EXPORT_STATES.checkExport,
      EXPORT_STATES.verifyExport,
      EXPORT_STATES.writeManifest,
      EXPORT_STATES.deleteRecoveryPoint,
      EXPORT_STATES.confirmDeletion,
      EXPORT_STATES.recordOutcome,
    ]);
    expect(output).toMatchObject({
      request: REQUEST,
      export: { status: 'COMPLETE' },
      verification: { complete: true },
      manifest: { manifestKey: 'exports/rds/prod-db/manifest.json' },
      deletion: { status: 'deleted' },
      outcome: { outcome: 'exported' },
    });
  });

  it('keeps the recovery point when deletion is not asked for', async () => {
    const calls: string[] = [];
    await run(happyHandlers(calls), { ...REQUEST, deleteAfterExport: false });
    expect(calls).not.toContain(EXPORT_STATES.deleteRecoveryPoint);
    expect(calls.at(-1)).toBe(EXPORT_STATES.recordOutcome);
  });

  it('records a source that cannot be exported and succeeds', async () => {
    const calls: string[] = [];
    const output = await run(
      happyHandlers(calls, {
        [EXPORT_STATES.describeSource]: () => ({
          exportable: false,
          reason: 'engine not supported',
          engine: 'sqlserver-se',
          status: 'available',
          encrypted: true,
          tags: {},
        }),
      }),
    );
    expect(calls).toEqual([EXPORT_STATES.describeSource, EXPORT_STATES.recordNotExportable]);
    expect(output).toMatchObject({ outcome: { outcome: 'not-exportable' } });
  });

  it('cleans up and fails when the export task fails, whether or not RDS gave a cause', async () => {
    for (const failureCause of ['S3 access denied', undefined]) {
      const calls: string[] = [];
      let cleanUpInput: Record<string, unknown> = {};
      const handlers = happyHandlers(calls, {
        [EXPORT_STATES.checkExport]: () => ({
          exportTaskIdentifier: 'vp-prod-db-1',
          status: 'FAILED',
          failureCause,
          pollCount: 1,
          waitSeconds: 60,
        }),
        [EXPORT_STATES.cleanUp]: (input) => {
          cleanUpInput = input as Record<string, unknown>;
          return { exportCancelled: false, objectsDeleted: 3, leftBehind: [] };
        },
      });
      await expect(run(handlers)).rejects.toThrow();
      expect(calls).toEqual([
        EXPORT_STATES.describeSource,
        EXPORT_STATES.startExport,
        EXPORT_STATES.checkExport,
        EXPORT_STATES.cleanUp,
        EXPORT_STATES.recordFailure,
      ]);
      expect(cleanUpInput).toMatchObject({
        failedStep: EXPORT_STATES.checkExport,
        failure: { Error: ACTION_ERRORS.exportTaskFailed },
      });
      const cause = JSON.parse((cleanUpInput.failure as { Cause: string }).Cause) as Record<string, unknown>;
      expect(cause.failureCause).toBe(failureCause);
    }
  });

  it('reports an unconfirmed deletion with the outcome, without cleanup', async () => {
    const calls: string[] = [];
    const output = await run(
      happyHandlers(calls, {
        [EXPORT_STATES.confirmDeletion]: () => {
          const error = new Error('still there');
          error.name = 'AccessDenied';
          throw error;
        },
      }),
    );
    expect(calls).not.toContain(EXPORT_STATES.cleanUp);
    expect(calls.at(-1)).toBe(EXPORT_STATES.recordOutcome);
    expect(output).toMatchObject({ deletionError: { Error: 'AccessDenied' } });
  });
});

it('passes cdk-nag (AwsSolutions): synthesis with the checks on succeeded', () => {
  expect(synthesized.template).toHaveProperty('Resources');
});
