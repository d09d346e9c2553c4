// The network gate's activity log (split out of network-gate.ts, issue 14): one record per
// attempt to reach another machine (time, host, port, feature, purpose, decision, reason, and
// the bytes once its sockets close). A repeat of the same attempt within an hour is counted on
// the record it repeats (which moves to the end, so the order is by latest attempt), at most
// `maxRecords` are kept, and the log is written to DATA/network-activity.jsonl a moment after
// each change (rewritten whole, so never larger than that) and read back at start, so it
// survives restarts. A torn line (a power cut while writing) is skipped.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { networkFeatureLabel, NetworkRecord } from '../../protocol';

export const ACTIVITY_FILE = 'network-activity.jsonl';
/** A repeat of an attempt within this long is counted on the same record. */
const MERGE_WINDOW_MS = 60 * 60_000;
/** Records looked through for a repeat. */
const MERGE_LOOKBACK = 50;
const SAVE_DELAY_MS = 300;

export type RecordInput = Pick<NetworkRecord, 'host' | 'port' | 'feature' | 'purpose' | 'decision' | 'reason' | 'layer'>;

interface ActivityLogOptions {
  /** Where the file is kept; null: memory only. */
  dataDir?: string | null;
  /** Records kept (at least 1). */
  maxRecords: number;
  log?: (line: string) => void;
}

export class ActivityLog {
  private readonly records: NetworkRecord[] = [];
  private nextId = 1;
  private saveTimer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(private readonly opts: ActivityLogOptions) {
    this.load();
  }

  /** Whether the record `id` is still kept. */
  has(id: number): boolean {
    return this.records.some((r) => r.id === id);
  }

  /** The newest `limit` records, newest first (copies). */
  newest(limit: number): NetworkRecord[] {
    return this.records
      .slice(-Math.max(0, limit))
      .reverse()
      .map((r) => ({ ...r }));
  }

  record(input: RecordInput): NetworkRecord {
    const now = Date.now();
    const start = Math.max(0, this.records.length - MERGE_LOOKBACK);
    for (let i = this.records.length - 1; i >= start; i--) {
      const r = this.records[i]!;
      if (
        r.host === input.host &&
        r.port === input.port &&
        r.feature === input.feature &&
        r.purpose === input.purpose &&
        r.decision === input.decision &&
        r.reason === input.reason &&
        r.layer === input.layer &&
        now - r.lastAt < MERGE_WINDOW_MS
      ) {
        r.count++;
        r.lastAt = now;
        // The newest attempt goes last, so the order is by latest attempt.
        this.records.splice(i, 1);
        this.records.push(r);
        this.scheduleSave();
        return r;
      }
    }
    const rec: NetworkRecord = { id: this.nextId++, at: now, lastAt: now, count: 1, ...input, bytesSent: null, bytesReceived: null };
    this.records.push(rec);
    if (this.records.length > this.opts.maxRecords) this.records.splice(0, this.records.length - this.opts.maxRecords);
    if (input.decision === 'blocked' || input.decision === 'denied') {
      this.opts.log?.(
        `network: ${input.decision} ${input.host}${input.port ? `:${input.port}` : ''} (${networkFeatureLabel(input.feature)}; ${input.reason ?? ''})`,
      );
    }
    this.scheduleSave();
    return rec;
  }

  /** Adds the bytes of a closed connection to its record. */
  addBytes(recordId: number, sent: number, received: number): void {
    const rec = this.records.find((r) => r.id === recordId);
    if (!rec) return;
    rec.bytesSent = (rec.bytesSent ?? 0) + Math.max(0, sent || 0);
    rec.bytesReceived = (rec.bytesReceived ?? 0) + Math.max(0, received || 0);
    this.scheduleSave();
  }

  /** Writes the activity now (the companion calls it when it stops). */
  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (!this.dirty || !this.opts.dataDir) return;
    this.dirty = false;
    const file = path.join(this.opts.dataDir, ACTIVITY_FILE);
    try {
      mkdirSync(this.opts.dataDir, { recursive: true });
      writeAtomic(file, this.records.map((r) => JSON.stringify(r)).join('\n') + (this.records.length ? '\n' : ''));
    } catch (err) {
      this.opts.log?.(`network: could not save the activity to ${file}: ${(err as Error).message}`);
    }
  }

  private scheduleSave(): void {
    this.dirty = true;
    if (!this.opts.dataDir || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  private load(): void {
    const dir = this.opts.dataDir;
    if (!dir) return;
    try {
      const lines = readFileSync(path.join(dir, ACTIVITY_FILE), 'utf8').split('\n');
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          const parsed = NetworkRecord.safeParse(JSON.parse(line));
          if (parsed.success) this.records.push(parsed.data);
        } catch {
          // A torn line (power cut while writing): skip it.
        }
      }
      if (this.records.length > this.opts.maxRecords) this.records.splice(0, this.records.length - this.opts.maxRecords);
      this.nextId = this.records.reduce((m, r) => Math.max(m, r.id), 0) + 1;
    } catch {
      // No activity yet.
    }
  }
}

/** Writes `file` whole or not at all (a temporary file renamed over it). */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}
