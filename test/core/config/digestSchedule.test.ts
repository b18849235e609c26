import { describe, expect, it } from 'vitest';
import { digestSchedule } from '../../../src/core/config/digestSchedule.js';

describe('digestSchedule', () => {
  it('turns HH:MM into a daily EventBridge Scheduler cron expression in the given time zone', () => {
    expect(digestSchedule({ time: '07:05', timeZone: 'Europe/Berlin' })).toEqual({
      expression: 'cron(5 7 * * ? *)',
      timeZone: 'Europe/Berlin',
    });
    expect(digestSchedule({ time: '23:59', timeZone: 'UTC' }).expression).toBe('cron(59 23 * * ? *)');
  });

  it('refuses a time that is not HH:MM', () => {
    expect(() => digestSchedule({ time: '7:05', timeZone: 'UTC' })).toThrow(RangeError);
    expect(() => digestSchedule({ time: '24:00', timeZone: 'UTC' })).toThrow(/not a time of day/);
  });
});
