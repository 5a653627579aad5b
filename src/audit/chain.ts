import { createHash } from 'node:crypto';
import type { AuditRecord, StoredRecord, TimedAuditEntry } from '../store/records.js';
import { canonicalJoin, canonicalJson, canonicalMember, canonicalSplit } from './canonical.js';

/** The `prev` of the first record. */
export const GENESIS = '0'.repeat(64);

/** The chained body: everything in the record but its own hash. */
export function recordBody(record: Omit<AuditRecord, 'hash'>): string {
  return canonicalJson(record);
}

export function hashBody(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * An entry encoded for chaining, without the two members only the writer knows (`prev`, `seq`),
 * plus the columns stored beside the body. Strings only: it crosses to the audit writer thread
 * far cheaper than the entry itself, and the writer's work per record is a concatenation and a
 * hash.
 */
export interface PreparedEntry {
  readonly at: string;
  readonly type: string;
  readonly agent: string | null;
  readonly verdict: string | null;
  readonly class: string | null;
  /** canonicalSplit of the record around its holes `prev` and `seq`. */
  readonly body: readonly string[];
}

const HOLES = ['prev', 'seq'] as const;

export function prepareEntry(entry: TimedAuditEntry): PreparedEntry {
  return {
    at: entry.at,
    type: entry.type,
    agent: entry.agent ?? null,
    verdict: entry.verdict ?? null,
    class: entry.class ?? null,
    body: canonicalSplit(entry as unknown as Readonly<Record<string, unknown>>, HOLES),
  };
}

/** Where a prepared entry landed in the chain, and its body as stored. */
export interface ChainLink {
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
  readonly body: string;
}

/** Chains prepared entries after the record with `seq` and `hash` (or after the genesis). */
export function chainPrepared(entries: readonly PreparedEntry[], head: { seq: number; hash: string }): ChainLink[] {
  let { seq, hash: prev } = head;
  return entries.map((entry) => {
    seq += 1;
    const body = canonicalJoin(entry.body, [canonicalMember('prev', prev), canonicalMember('seq', seq)]);
    const link = { seq, prev, hash: hashBody(body), body };
    prev = link.hash;
    return link;
  });
}

/** Chains entries after the record with `seq` and `hash` (or after the genesis). */
export function chainEntries(entries: readonly TimedAuditEntry[], head: { seq: number; hash: string }): { record: AuditRecord; body: string }[] {
  const links = chainPrepared(entries.map(prepareEntry), head);
  return entries.map((entry, i) => {
    const { seq, prev, hash, body } = links[i]!;
    return { record: { ...entry, seq, prev, hash }, body };
  });
}

export type ChainProblem =
  | { readonly kind: 'edited'; readonly seq: number; readonly detail: string }
  | { readonly kind: 'removed'; readonly seq: number; readonly detail: string }
  | { readonly kind: 'reordered'; readonly seq: number; readonly detail: string }
  | { readonly kind: 'truncated'; readonly seq: number; readonly detail: string };

export type { StoredRecord };

/**
 * Walks stored records in seq order and names the first one that breaks the chain. A record
 * whose body no longer hashes to its hash was edited; a gap in seq, or a `prev` that is not
 * the previous hash, means records were removed or reordered. Returns the last good head.
 */
export function verifyChain(
  records: Iterable<StoredRecord>,
): { ok: true; count: number; head: { seq: number; hash: string } } | { ok: false; problem: ChainProblem; count: number } {
  let expectedSeq = 1;
  let prev = GENESIS;
  let count = 0;
  const seenHashes = new Set<string>();
  for (const stored of records) {
    let parsed: { seq?: unknown; prev?: unknown };
    try {
      parsed = JSON.parse(stored.body) as { seq?: unknown; prev?: unknown };
    } catch {
      return { ok: false, count, problem: { kind: 'edited', seq: stored.seq, detail: 'its body is not valid JSON' } };
    }
    if (hashBody(stored.body) !== stored.hash) {
      return { ok: false, count, problem: { kind: 'edited', seq: stored.seq, detail: 'its content does not match its hash' } };
    }
    if (parsed.seq !== stored.seq) {
      return { ok: false, count, problem: { kind: 'reordered', seq: stored.seq, detail: `its body says seq ${String(parsed.seq)}` } };
    }
    if (parsed.prev !== prev) {
      if (seenHashes.has(String(parsed.prev)) || stored.seq < expectedSeq) {
        return { ok: false, count, problem: { kind: 'reordered', seq: stored.seq, detail: 'it follows a record it was not written after' } };
      }
      const kind = stored.seq > expectedSeq ? 'removed' : 'edited';
      const detail =
        stored.seq > expectedSeq
          ? `record${stored.seq - expectedSeq > 1 ? `s ${expectedSeq}–${stored.seq - 1} are` : ` ${expectedSeq} is`} missing before it`
          : 'it does not link to the record before it';
      return { ok: false, count, problem: { kind, seq: stored.seq, detail } };
    }
    if (stored.seq !== expectedSeq) {
      return { ok: false, count, problem: { kind: 'reordered', seq: stored.seq, detail: `expected seq ${expectedSeq}` } };
    }
    seenHashes.add(stored.hash);
    prev = stored.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count, head: { seq: expectedSeq - 1, hash: prev } };
}
