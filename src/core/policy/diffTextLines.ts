/** One line of a line diff: `-` only in the old text, `+` only in the new one. */
export interface TextLineChange {
  readonly op: '+' | '-';
  readonly line: string;
}

/** Above this many lines per side the quadratic table would cost too much; we then compare as sets. */
const MAX_LINES_FOR_LCS = 2_000;

/**
 * The lines removed from `before` and added in `after`, in reading order (longest common subsequence).
 * Unchanged lines are left out: a notification shows what changed, not the whole text.
 */
export function diffTextLines(before: readonly string[], after: readonly string[]): TextLineChange[] {
  if (before.length > MAX_LINES_FOR_LCS || after.length > MAX_LINES_FOR_LCS) return diffAsMultisets(before, after);
  const n = before.length;
  const m = after.length;
  // lcs[i][j] = length of the LCS of before[i..] and after[j..], stored row-major in one array.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        before[i] === after[j]
          ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const changes: TextLineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      i++;
      j++;
    } else if ((lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0)) {
      changes.push({ op: '-', line: before[i] ?? '' });
      i++;
    } else {
      changes.push({ op: '+', line: after[j] ?? '' });
      j++;
    }
  }
  for (; i < n; i++) changes.push({ op: '-', line: before[i] ?? '' });
  for (; j < m; j++) changes.push({ op: '+', line: after[j] ?? '' });
  return changes;
}

function diffAsMultisets(before: readonly string[], after: readonly string[]): TextLineChange[] {
  const remaining = new Map<string, number>();
  for (const line of after) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  const removed: TextLineChange[] = [];
  for (const line of before) {
    const count = remaining.get(line) ?? 0;
    if (count > 0) remaining.set(line, count - 1);
    else removed.push({ op: '-', line });
  }
  const stillExpected = new Map<string, number>();
  for (const line of before) stillExpected.set(line, (stillExpected.get(line) ?? 0) + 1);
  const added: TextLineChange[] = [];
  for (const line of after) {
    const count = stillExpected.get(line) ?? 0;
    if (count > 0) stillExpected.set(line, count - 1);
    else added.push({ op: '+', line });
  }
  return [...removed, ...added];
}
