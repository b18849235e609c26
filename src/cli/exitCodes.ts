/** The exit codes of every `vaultpilot` command: the one mapping, documented in the README and docs/archiving.md. */
export const EXIT = {
  ok: 0,
  /** The work failed (a missing input, an AWS error, an invalid configuration file). */
  failed: 1,
  /** Bad usage: an unknown option, a bad value, a location that cannot be used there. */
  usage: 2,
  /** An archive is corrupt (verify, restore). */
  corrupt: 3,
  /** A bug: an error nobody expected, printed with its stack. */
  unexpected: 70,
  /** Stopped by Ctrl-C or SIGTERM, nothing committed. */
  interrupted: 130,
} as const;
