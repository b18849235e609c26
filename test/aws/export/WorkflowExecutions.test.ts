/**
 * StepFunctionsExecutions with the real SFNClient against a minimal local StartExecution endpoint (awsJson1_0:
 * POST /, X-Amz-Target AWSStepFunctions.StartExecution): no Step Functions stand-in exists in sandbox/, so this one
 * keeps executions by name and answers ExecutionAlreadyExists for a second start of one, as Step Functions does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionArnOf, StepFunctionsExecutions } from '../../../src/aws/export/WorkflowExecutions.js';
import { ActionError } from '../../../src/core/actions/exportWorkflow.js';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:vaultpilot-rds-export';
let server: Server;
let client: SFNClient;
let executions: StepFunctionsExecutions;
const started = new Map<string, unknown>();
const injected: { status: number; type: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(body));
      };
      const fault = injected.shift();
      if (fault) return answer(fault.status, { __type: fault.type, message: `injected ${fault.type}` });
      if (req.headers['x-amz-target'] !== 'AWSStepFunctions.StartExecution') {
        return answer(400, { __type: 'UnknownOperationException', message: 'unknown' });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        stateMachineArn: string;
        name: string;
        input: string;
      };
      if (started.has(body.name)) {
        return answer(400, { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${body.name}'` });
      }
      started.set(body.name, JSON.parse(body.input));
      answer(200, { executionArn: executionArnOf(body.stateMachineArn, body.name), startDate: Date.now() / 1000 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new SFNClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  executions = new StepFunctionsExecutions(client, MACHINE);
});

afterAll(async () => {
  client?.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('executionArnOf', () => {
  it('is the state machine ARN with :execution: and the name', () => {
    expect(executionArnOf(MACHINE, 'rp-1-a1')).toBe(
      'arn:aws:states:eu-west-1:111122223333:execution:vaultpilot-rds-export:rp-1-a1',
    );
  });
});

describe('StepFunctionsExecutions', () => {
  it('starts an execution with the input as JSON', async () => {
    const out = await executions.start('rp-0001-prod-db-a1', { request: { attempt: 1 } });
    expect(out).toEqual({ executionArn: executionArnOf(MACHINE, 'rp-0001-prod-db-a1'), alreadyStarted: false });
    expect(started.get('rp-0001-prod-db-a1')).toEqual({ request: { attempt: 1 } });
  });

  it('a second start of the same name is already started, not an error', async () => {
    await executions.start('rp-0002-a1', {});
    expect(await executions.start('rp-0002-a1', { other: true })).toEqual({
      executionArn: executionArnOf(MACHINE, 'rp-0002-a1'),
      alreadyStarted: true,
    });
    expect(started.get('rp-0002-a1')).toEqual({});
  });

  it('throttling and 5xx are TransientAwsError; so is everything else it cannot start', async () => {
    for (const fault of [
      { status: 400, type: 'ThrottlingException' },
      { status: 500, type: 'ServiceUnavailable' },
      { status: 400, type: 'StateMachineDoesNotExist' },
    ]) {
      injected.push(fault);
      const error = await executions.start('rp-0003-a1', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActionError);
      expect((error as ActionError).name).toBe('TransientAwsError');
      expect(((error as ActionError).cause as Error).name).toBe(fault.type);
    }
    expect(started.has('rp-0003-a1')).toBe(false);
  });
});
