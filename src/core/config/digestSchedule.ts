/**
 * The EventBridge Scheduler schedule of the daily digest, from its time of day and time zone.
 * Scheduler evaluates cron expressions in a time zone (ScheduleExpressionTimezone), so daylight
 * saving time moves with the people reading the digest.
 */

export interface DigestSchedule {
  /** `cron(minutes hours * * ? *)` for EventBridge Scheduler. */
  readonly expression: string;
  /** IANA time zone for ScheduleExpressionTimezone. */
  readonly timeZone: string;
}

/** Builds the digest's schedule from `HH:MM` and an IANA time zone. */
export function digestSchedule(digest: { readonly time: string; readonly timeZone: string }): DigestSchedule {
  const match = /^(\d{2}):(\d{2})$/.exec(digest.time);
  if (!match) throw new RangeError(`digest time must be HH:MM, not ${JSON.stringify(digest.time)}`);
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) throw new RangeError(`digest time ${digest.time} is not a time of day`);
  return { expression: `cron(${minutes} ${hours} * * ? *)`, timeZone: digest.timeZone };
}

/** The hourly RPO check's schedule (a few minutes past the hour, after the router has caught up). */
export const RPO_CHECK_SCHEDULE: DigestSchedule = { expression: 'cron(7 * * * ? *)', timeZone: 'UTC' };
