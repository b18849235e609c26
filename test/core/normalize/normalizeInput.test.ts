import { describe, expect, it } from 'vitest';
import { normalizeInput } from '../../../src/core/normalize/normalizeInput.js';
import { loadFixtures } from './fixtureCorpus.js';

const corpus = new Map(loadFixtures().map((f) => [f.name, f.input]));
function fixture(name: string): unknown {
  const input = corpus.get(name);
  if (input === undefined) throw new Error(`no fixture ${name}`);
  return structuredClone(input);
}

describe('normalizeInput', () => {
  it('returns one signal for a bare EventBridge event', () => {
    expect(normalizeInput(fixture('eventbridge-backup/backup-job-failed'))).toHaveLength(1);
  });

  it('returns one signal per record of an SQS batch, even when one record is malformed', () => {
    const signals = normalizeInput(fixture('wrappers/sqs-batch-with-one-malformed-record'));
    expect(signals.map((s) => s.kind)).toEqual(['backup-job', 'unparsed', 'backup-job']);
    expect(signals[1]?.reason).toMatch(/^Records\[1\]\.body is truncated JSON/);
  });

  it('unwraps an SQS body that is an SNS notification carrying an EventBridge event', () => {
    const [signal] = normalizeInput(fixture('wrappers/sqs-with-sns-carrying-eventbridge-event'));
    expect(signal).toMatchObject({ kind: 'backup-job', outcome: 'succeeded', source: 'eventbridge' });
  });

  it('flattens arrays of events and batches', () => {
    const batch = [fixture('wrappers/sns-batch-two-records'), fixture('eventbridge-backup/vault-deleted')];
    expect(normalizeInput(batch).map((s) => s.kind)).toEqual(['backup-job', 'rds-snapshot', 'vault']);
  });

  it('reads a JSON string of an event', () => {
    expect(normalizeInput(JSON.stringify(fixture('eventbridge-backup/plan-deleted')))[0]?.kind).toBe('plan');
  });

  it('returns nothing for an empty batch', () => {
    expect(normalizeInput({ Records: [] })).toEqual([]);
    expect(normalizeInput([])).toEqual([]);
  });

  it('does not recurse without end into nested arrays', () => {
    let nested: unknown = fixture('eventbridge-backup/plan-deleted');
    for (let i = 0; i < 50; i++) nested = [nested];
    const signals = normalizeInput(nested);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.reason).toMatch(/nested deeper than/);
  });

  it('never throws, even on a batch that throws when read', () => {
    const hostile = {
      get Records(): unknown {
        throw new Error('cannot read');
      },
    };
    const signals = normalizeInput(hostile);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ kind: 'unparsed' });
  });
});
