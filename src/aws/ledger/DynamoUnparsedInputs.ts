/** Unparsed inputs in the ledger table, one item per input in its day (`DAY#…` / `UNPARSED#<time>#<id>`). */
import { expiresAtSeconds, signalTimeMs, utcDay } from '../../core/ledger/ledgerFacts.js';
import { DAY_PREFIX, dayUnparsedKey } from '../../core/ledger/ledgerKeys.js';
import type { KeptUnparsed, UnparsedInputs } from '../../core/ledger/ledgerPorts.js';
import type { Signal } from '../../core/signal.js';
import { compact, type LedgerStoreOptions, LedgerTable } from './LedgerTable.js';

/** Largest raw input kept inline; DynamoDB items stop at 400 KB. */
const MAX_RAW_CHARS = 300_000;

/** UnparsedInputs over the ledger table. */
export class DynamoUnparsedInputs implements UnparsedInputs {
  private readonly table: LedgerTable;

  constructor(options: LedgerStoreOptions) {
    this.table = new LedgerTable(options);
  }

  /** The raw input is truncated to fit an item. */
  async keepUnparsed(signal: Signal, receivedAtMs?: number): Promise<void> {
    const now = this.table.now();
    const atMs = signal.times.event || receivedAtMs === undefined ? signalTimeMs(signal, now) : receivedAtMs;
    const atIso = new Date(atMs).toISOString();
    let raw: string;
    try {
      raw = typeof signal.raw === 'string' ? signal.raw : (JSON.stringify(signal.raw) ?? String(signal.raw));
    } catch {
      raw = String(signal.raw);
    }
    const truncated = raw.length > MAX_RAW_CHARS;
    await this.table.put('keepUnparsed', dayUnparsedKey(utcDay(atMs), atIso, signal.id), {
      signalId: signal.id,
      reason: signal.reason,
      source: signal.source,
      raw: truncated ? raw.slice(0, MAX_RAW_CHARS) : raw,
      truncated,
      atMs,
      expiresAt: expiresAtSeconds(this.table.now(), this.table.retention.unparsedDays),
    });
  }

  async unparsedOfDay(day: string): Promise<KeptUnparsed[]> {
    const items = await this.table.queryDay(day, DAY_PREFIX.unparsed);
    return items.map((item) =>
      compact<KeptUnparsed>({
        signalId: item.signalId,
        reason: item.reason,
        source: item.source,
        raw: item.raw,
        atMs: Number(item.atMs),
      }),
    );
  }
}
