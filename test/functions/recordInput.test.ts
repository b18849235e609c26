import { describe, expect, it } from 'vitest';
import { recordInput } from '../../src/functions/router/recordInput.js';

const event = { version: '0', id: 'e-1', 'detail-type': 'Backup Job State Change', source: 'aws.backup', detail: {} };

describe('recordInput', () => {
  it('passes an EventBridge event body through, parsed', () => {
    expect(recordInput(JSON.stringify(event))).toEqual(event);
  });

  it('unwraps an EventBridge event delivered through an SNS topic', () => {
    const body = JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: JSON.stringify(event) });
    expect(recordInput(body)).toEqual(event);
  });

  it('leaves a plain-text SNS notification (AWS Backup vault notifications) to the normalizer', () => {
    const sns = { Type: 'Notification', Subject: 'Notification from AWS Backup', Message: 'An AWS Backup job failed.' };
    expect(recordInput(JSON.stringify(sns))).toEqual(sns);
  });

  it('leaves an SNS notification whose message is JSON but no event as it is', () => {
    const sns = { Type: 'Notification', Message: '{"Event Source":"db-snapshot"}' };
    expect(recordInput(JSON.stringify(sns))).toEqual(sns);
  });

  it('returns text that is not JSON unchanged, so it is kept and alerted as unparsed', () => {
    expect(recordInput('{"detail-type": ')).toBe('{"detail-type": ');
  });
});
