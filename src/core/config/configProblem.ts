/**
 * The shape of a configuration problem, shared by the parser, the consistency checks and the CLI.
 */

/** One thing wrong (or, among warnings, questionable) in a configuration file. */
export interface ConfigProblem {
  /** Where in the document, e.g. `notifications.channels[1].secret`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
  /** What to do about it, e.g. "did you mean `regions`?". */
  readonly hint?: string;
  /** 1-based line in the file, when the problem can be placed. */
  readonly line?: number;
  /** 1-based column in the file. */
  readonly column?: number;
}

/** A path into the parsed document: keys and sequence indexes. */
export type DocPath = readonly (string | number)[];

/** A problem found before it is placed in the file. */
export interface UnplacedProblem {
  readonly path: DocPath;
  readonly message: string;
  readonly hint?: string;
  /** Point at the key itself rather than its value (unknown keys). */
  readonly atKey?: boolean;
}

/** Formats a path as `a.b[2].c`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** One problem as a line: `file:line:column path — message (hint)`. */
export function formatConfigProblem(problem: ConfigProblem, file: string): string {
  const where = problem.line ? `${file}:${problem.line}:${problem.column ?? 1}` : file;
  const path = problem.path === '' ? '' : ` ${problem.path}`;
  const hint = problem.hint ? ` (${problem.hint})` : '';
  return `${where}${path} — ${problem.message}${hint}`;
}
