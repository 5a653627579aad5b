import type { ActivityRepository } from '../store.js';
import type { SqliteDatabase } from './database.js';

interface RefusalRow {
  seq: number;
  at: string;
  verdict: 'deny' | 'hold';
  code: string | null;
  action: string | null;
  class: string | null;
  digest: string | null;
  token: string | null;
  holdId: string | null;
}

/** Decisions read back in one go by decisionsSince: a few milliseconds of the event loop. */
const DECISIONS_PAGE = 2_000;

/** Reads the audit table through the indexes of migration 003-baseline. */
export function sqliteActivity(db: SqliteDatabase): ActivityRepository {
  // One row, however large the budget: the index walk stops at the n-th entry.
  const nthAllowed = db.prepare<[string, string, string, number], { at: string }>(
    `SELECT at FROM audit
      WHERE ((type = 'decision' AND verdict = 'allow') OR type = 'hold.running')
        AND agent = ? AND class = ? AND at > ?
      ORDER BY at DESC LIMIT 1 OFFSET ?`,
  );
  const decisions = db
    .prepare<[string, string, number], string>(`SELECT at FROM audit WHERE type = 'decision' AND agent = ? AND at > ? ORDER BY at LIMIT ?`)
    .pluck();
  const decisionsFrom = db
    .prepare<[string, string, number], string>(`SELECT at FROM audit WHERE type = 'decision' AND agent = ? AND at >= ? ORDER BY at LIMIT ?`)
    .pluck();
  const lastStateChange = db.prepare<[string], { seq: number | null }>(
    `SELECT max(seq) AS seq FROM audit WHERE agent = ? AND type IN ('agent.suspended', 'agent.resumed', 'stop.agent', 'agent.added')`,
  );
  // "+seq": the agent-and-time index is the selective one; the type-and-seq index is not.
  // A hold that a human approved (or that ran) is not a refusal.
  const refusals = db.prepare<[string, string, number], RefusalRow>(
    `SELECT a.seq, a.at, a.verdict, json_extract(a.body, '$.code') AS code, json_extract(a.body, '$.action') AS action, json_extract(a.body, '$.class') AS class,
            json_extract(a.body, '$.digest') AS digest, json_extract(a.body, '$.token') AS token, json_extract(a.body, '$.holdId') AS holdId
       FROM audit a LEFT JOIN holds h ON a.verdict = 'hold' AND h.id = json_extract(a.body, '$.holdId')
      WHERE a.type = 'decision' AND a.agent = ? AND a.at > ? AND a.verdict IN ('deny', 'hold') AND +a.seq > ?
        AND (h.status IS NULL OR h.status NOT IN ('approved', 'scheduled', 'executed'))
      ORDER BY a.seq`,
  );
  return {
    async nthAllowedSince(agent, operationClass, since, n) {
      if (n < 1) throw new RangeError('n counts from 1');
      return nthAllowed.get(agent, operationClass, since, n - 1)?.at;
    },
    async decisionsSince(agent, since, limit) {
      // A page at a time, the doors served between pages: an agent deciding thousands of times a
      // second has a hundred thousand decisions in its burst window, and one read of them all
      // held the event loop for 150 ms. A page goes on from the last time read, past the rows
      // of that very time already read (the index returns ties in the same order each time).
      const found: string[] = [];
      let page = decisions.all(agent, since, Math.min(DECISIONS_PAGE, limit));
      let asked = Math.min(DECISIONS_PAGE, limit);
      let skip = 0;
      for (;;) {
        const fresh = skip > 0 ? page.slice(skip) : page;
        found.push(...fresh);
        if (page.length < asked || found.length >= limit) return found;
        const last = found[found.length - 1]!;
        skip = 0;
        for (let i = found.length - 1; i >= 0 && found[i] === last; i--) skip++;
        await new Promise((resolve) => setImmediate(resolve));
        asked = Math.min(DECISIONS_PAGE, limit - found.length) + skip;
        page = decisionsFrom.all(agent, last, asked);
      }
    },
    async refusalsSince(agent, since) {
      const after = lastStateChange.get(agent)?.seq ?? 0;
      return refusals.all(agent, since, after).map((row) => ({
        seq: row.seq,
        at: row.at,
        verdict: row.verdict,
        code: row.code ?? undefined,
        action: row.action ?? undefined,
        class: row.class ?? undefined,
        digest: row.digest ?? undefined,
        token: row.token ?? undefined,
        holdId: row.holdId ?? undefined,
      }));
    },
  };
}
