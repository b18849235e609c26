import { describe, expect, it } from 'vitest';
import type { SqsRecord } from '../../src/functions/lambdaEvents.js';
import { processSqsBatch, RecordFailedError } from '../../src/functions/sqsBatch.js';
import { MemoryLogger, sqsRecord } from './harness.js';

const records = (n: number): SqsRecord[] => Array.from({ length: n }, (_, i) => sqsRecord(`body-${i}`, `m-${i}`));

describe('processSqsBatch', () => {
  it('returns only the records whose handler threw, and handles every other record', async () => {
    const seen: string[] = [];
    const out = await processSqsBatch(
      records(4),
      async (record) => {
        seen.push(record.messageId);
        if (record.messageId === 'm-1' || record.messageId === 'm-3') throw new Error(`boom ${record.messageId}`);
        return record.body.toUpperCase();
      },
      { logger: new MemoryLogger() },
    );
    expect(seen.sort()).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-3' }]);
    expect(out.results.map((r) => r.status)).toEqual(['done', 'failed', 'done', 'failed']);
    expect(out.results[0]).toEqual({ status: 'done', value: 'BODY-0' });
  });

  it('logs each failure with the message id, the receive count and the error', async () => {
    const logger = new MemoryLogger();
    const record = { ...sqsRecord('x', 'm-9'), attributes: { ApproximateReceiveCount: '3' } };
    await processSqsBatch(
      [record],
      async () => {
        throw new Error('ledger down', { cause: new Error('ThrottlingException') });
      },
      { logger },
    );
    expect(logger.lines).toEqual([
      {
        level: 'error',
        message: 'record failed; SQS will redeliver it',
        fields: {
          messageId: 'm-9',
          receiveCount: 3,
          error: { name: 'Error', message: 'ledger down', cause: { name: 'Error', message: 'ThrottlingException' } },
        },
      },
    ]);
  });

  it('logs a RecordFailedError with its own message and fields, and the error it wraps', async () => {
    const logger = new MemoryLogger();
    await processSqsBatch(
      records(1),
      async () => {
        throw new RecordFailedError('delivery failed', { channel: 'ops' }, { cause: new Error('HTTP 500') });
      },
      { logger },
    );
    expect(logger.lines[0]).toMatchObject({
      level: 'error',
      message: 'delivery failed',
      fields: { messageId: 'm-0', receiveCount: 1, channel: 'ops', error: { message: 'HTTP 500' } },
    });
  });

  it('returns the records not started before the deadline untried', async () => {
    let now = 1_000;
    const started: string[] = [];
    const logger = new MemoryLogger();
    const out = await processSqsBatch(
      records(5),
      async (record) => {
        started.push(record.messageId);
        now += 100; // each record takes 100 ms of the test clock
      },
      { logger, deadlineMs: 1_250, concurrency: 1, now: () => now },
    );
    expect(started).toEqual(['m-0', 'm-1', 'm-2']);
    expect(out.results.map((r) => r.status)).toEqual(['done', 'done', 'done', 'untried', 'untried']);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-3' }, { itemIdentifier: 'm-4' }]);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.fields.messageId)).toEqual(['m-3', 'm-4']);
  });

  it('handles at most `concurrency` records at a time, and every record at once by default', async () => {
    const peak = async (concurrency?: number) => {
      let inFlight = 0;
      let max = 0;
      await processSqsBatch(
        records(10),
        async () => {
          max = Math.max(max, ++inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
        },
        { logger: new MemoryLogger(), ...(concurrency ? { concurrency } : {}) },
      );
      return max;
    };
    expect(await peak(3)).toBe(3);
    expect(await peak()).toBe(10);
  });

  it('answers an empty batch with no failures', async () => {
    expect(await processSqsBatch([], async () => 1, { logger: new MemoryLogger() })).toEqual({
      batchItemFailures: [],
      results: [],
    });
  });
});
