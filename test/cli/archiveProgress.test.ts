import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, ProgressBar, renderProgressLine } from '../../src/cli/progressBar.js';

describe('renderProgressLine', () => {
  it('shows percentage, bytes, throughput and ETA', () => {
    const line = renderProgressLine('archive', { bytes: 512e6, totalBytes: 2048e6, storedBytes: 0 }, 2, 10);
    expect(line).toBe('archive [##--------]  25% 488.3 MiB/1.9 GiB 256 MB/s ETA 0:06');
  });

  it('shows an unknown ETA before anything moved', () => {
    expect(renderProgressLine('restore', { bytes: 0, totalBytes: 100, storedBytes: 0 }, 0, 4)).toMatch(/ETA --:--$/);
  });
});

describe('formatBytes and formatDuration', () => {
  it('use binary units and h:mm:ss', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(16 * 1024 ** 4)).toBe('16.0 TiB');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(59)).toBe('0:59');
  });
});

describe('ProgressBar', () => {
  it('draws on a terminal and ends its line, at most every 200 ms', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => {
      text += d;
    });
    let now = 0;
    const bar = new ProgressBar(out, 'verify', true, () => now);
    bar.update({ bytes: 1, totalBytes: 10, storedBytes: 0 });
    now = 100;
    bar.update({ bytes: 2, totalBytes: 10, storedBytes: 0 });
    now = 400;
    bar.update({ bytes: 10, totalBytes: 10, storedBytes: 0 });
    bar.finish();
    expect(text.split('\r').filter(Boolean)).toHaveLength(2);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('stays silent when output is not a terminal', () => {
    const out = new PassThrough();
    let written = 0;
    out.on('data', () => {
      written++;
    });
    const bar = new ProgressBar(out, 'archive', false);
    bar.update({ bytes: 5, totalBytes: 10, storedBytes: 0 });
    bar.finish();
    expect(written).toBe(0);
  });
});
