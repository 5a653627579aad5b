/**
 * One agent connection through the PostgreSQL door, after login: every Query and every Bind of
 * a prepared statement is classified and judged before it reaches the upstream; everything the
 * upstream answers is passed back as it came, except the errors Airlock itself caused.
 *
 * How a refusal keeps PostgreSQL's own semantics: instead of the refused message, the door
 * sends the upstream a statement that cannot parse (`airlock_refused_<nonce>`). The upstream
 * fails it exactly where the refused statement stood — aborting the transaction block it is in,
 * skipping the rest of an extended-protocol pipeline until Sync, answering ReadyForQuery with
 * the right status — and the door replaces that one syntax error, recognised by its nonce, with
 * the refusal (SQLSTATE 42501, the stop-and-ask instruction in HINT). No response is invented
 * out of order and no transaction state is simulated.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { analyzeSql, type SqlAnalysis, type SqlStatement } from '../../classify/sql/index.js';
import { requestDigest } from '../../core/digest.js';
import { newRequestId } from '../../core/request-id.js';
import { resolveEnvironment } from '../../core/environment.js';
import { operationFromParts, severity, type Operation, type OperationPart } from '../../core/operation.js';
import { refusalFor } from '../../core/refusal.js';
import type { Verdict } from '../../core/verdict.js';
import { backupBeforeForward } from '../../holds/backup.js';
import { decideAndWait } from '../../holds/wait.js';
import { redactorFor } from '../../redact/index.js';
import type { Bind, Close, Parse, Query } from './messages.js';
import type { ErrorResponse, ParameterStatus, ParseComplete, ReadyForQuery, NoticeFields, TransactionStatus } from './messages.js';
import { affectedRows, type BlastRadius, cachedBlastRadiusOf, describeBlastRadius, exceedsBlastRadius, rowsToCount } from './blast-radius.js';
import { type FrameReader, parseBackend, parseFrontend, ProtocolError } from './parser.js';
import { PassedFrames } from './passed-frames.js';
import { toClient, toServer } from './serializer.js';
import type { DoorContext, UpstreamEntry } from './context.js';
import type { UpstreamConnection } from './upstream.js';
import { readingIndependent, readingProblem } from './reading.js';
import { guardedSetting } from './settings.js';
import { storedQuery, storedExtended } from './stored.js';

/** A prepared statement as the door knows it: by name, protocol-level or SQL-level. */
interface Prepared {
  readonly text: string;
  /** What approvals bind to (see analyzeSql). */
  readonly canonical: string;
  readonly statements: readonly SqlStatement[];
  readonly parameterTypes: readonly number[];
}

interface PendingParse {
  /** The Sync window the Parse was sent in. */
  readonly window: number;
  readonly name: string;
  readonly prepared: Prepared;
}

interface Poison {
  readonly window: number;
  readonly fields: NoticeFields;
  /** End the session once the client has the error (the token is no longer valid). */
  readonly fatal: boolean;
}

const POISON = /airlock_refused_([0-9a-f]{16})/;
const SAVEPOINT = 'airlock_blast_radius';
/** ErrorResponse, NoticeResponse, NotificationResponse, ReadyForQuery. */
const FINAL_FRAMES = new Set([0x45, 0x4e, 0x41, 0x5a]);

/**
 * How the door treats the answer to a window it sent itself: `internal` is dropped whole,
 * `final` ends the client's answer (errors, notices and the ReadyForQuery of the COMMIT that ends
 * a measured statement), `quiet` is the client's but for its ReadyForQuery (a Sync the door
 * added), a capture is kept for the door to read.
 */
type WindowMode = 'internal' | 'final' | 'quiet' | { readonly frames: Buffer[]; readonly done: () => void };

/** A statement to measure, or one to hold up front because it cannot be measured. */
type Radius = (BlastRadius & { kind: 'measure' | 'unmeasurable' }) & { readonly index: number };
const MAX_INBOX = 1024;
const RETRY_HINT = "run the same statement again, exactly as before, in any session of this agent (or first SET airlock.hold = '<hold id>'); it will run once.";

export interface SessionIdentity {
  readonly agent: string;
  readonly tokenId: string;
  /** The Airlock token as presented: kept in memory for each decision, never logged. */
  readonly token: string;
}

export class ProxySession {
  private readonly inbox: Buffer[] = [];
  private processing = false;
  private closed = false;
  /** Sync or Query messages sent upstream: each is answered by exactly one ReadyForQuery. */
  private sentSyncs = 0;
  private receivedRfqs = 0;
  /** Extended-protocol messages forwarded since the last Sync. */
  private extendedSinceSync = false;
  /** An Execute forwarded since the last Sync: it may change the server's reading before that Sync is answered. */
  private executedSinceSync = false;
  /** After a refused extended-protocol message, PostgreSQL skips everything until Sync; so does the door. */
  private skipUntilSync = false;
  private readonly pendingParses: PendingParse[] = [];
  private readonly closedInWindow = new Set<string>();
  private readonly prepared = new Map<string, Prepared>();
  private readonly poisons = new Map<string, Poison>();
  private readonly windowWaiters: { window: number; resolve: () => void }[] = [];
  /** A hold id named by `SET airlock.hold`, offered with each held statement until it is used. */
  private pendingHoldId: string | undefined;
  private readonly abort = new AbortController();
  /** Aborts the wait for operators' decision on the statement being judged (Ctrl-C in psql). */
  private waiting: { abort(): void } | undefined;
  private readonly upstreamReader: FrameReader;
  /** Windows the door sent itself (blast-radius savepoints and counts), by window number. */
  private readonly windowModes = new Map<number, WindowMode>();
  /** A Bind being measured: settled once its pipeline's Sync is answered, before anything after it is sent. */
  private measuring: Promise<void> | undefined;
  private internalNames = 0;
  /** The last window whose answer held an ErrorResponse (it may come before the window's Sync is sent). */
  private lastFailedWindow = -1;
  /** The windows sent and not yet answered, each timed from its first message (metrics.ts). */
  private readonly windowTimers = new Map<number, () => void>();
  private windowTimer: (() => void) | undefined;
  /** As of the last ReadyForQuery. */
  private transactionStatus: TransactionStatus = 'I';
  /** The server reported a reading Airlock does not parse with: nothing more is forwarded. */
  private readingFailed = false;

  constructor(
    private readonly client: Socket | TLSSocket,
    private readonly clientReader: FrameReader,
    private readonly upstream: UpstreamConnection,
    private readonly entry: UpstreamEntry,
    private readonly identity: SessionIdentity,
    private readonly context: DoorContext,
    private readonly onClose: () => void,
  ) {
    this.upstreamReader = upstream.reader;
  }

  start(): void {
    const { client } = this;
    const socket = this.upstream.socket;
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    client.on('close', () => this.close());
    client.on('error', () => this.close());
    client.on('drain', () => socket.resume());
    socket.on('data', (chunk: Buffer) => this.fromUpstream(chunk));
    socket.on('close', () => this.close());
    socket.on('error', (error) => {
      this.context.log.warn({ upstream: this.entry.config.name, err: error.message }, 'upstream connection failed');
      this.close();
    });
    socket.on('drain', () => {
      if (this.inbox.length < MAX_INBOX) client.resume();
      void this.drainInbox();
    });
    client.resume();
    socket.resume();
    // Frames that arrived with the last login message, or right after it.
    if (this.upstreamReader.pending > 0) this.fromUpstream(Buffer.alloc(0));
    if (this.clientReader.pending > 0) this.fromClient(Buffer.alloc(0));
  }

  /**
   * A CancelRequest from the client: stops waiting for operators if a held statement is being
   * waited on (the client then gets the hold as its answer), and cancels whatever the upstream
   * is running.
   */
  async cancel(cancelUpstream: () => Promise<void>): Promise<void> {
    this.waiting?.abort();
    await cancelUpstream();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.client.destroy();
    this.upstream.socket.destroy();
    for (const waiter of this.windowWaiters.splice(0)) waiter.resolve();
    this.onClose();
  }

  // ─── client → upstream ────────────────────────────────────────────────────────────────

  private fromClient(chunk: Buffer): void {
    try {
      if (chunk.length > 0) this.clientReader.push(chunk);
      for (let frame = this.clientReader.next(); frame; frame = this.clientReader.next()) this.inbox.push(frame);
    } catch (error) {
      this.protocolViolation((error as Error).message);
      return;
    }
    if (this.inbox.length >= MAX_INBOX) this.client.pause();
    void this.drainInbox();
  }

  /** Handles client messages strictly in order; a judgement in progress holds the ones behind it. */
  private async drainInbox(): Promise<void> {
    if (this.processing || this.closed) return;
    this.processing = true;
    const upstream = this.upstream.socket;
    try {
      upstream.cork();
      while (this.inbox.length > 0 && !this.closed) {
        if (upstream.writableNeedDrain) break;
        const frame = this.inbox.shift()!;
        const pending = this.handle(frame);
        if (pending) {
          // Let what is already queued go out while the gate decides; what is sent once it has
          // decided stays corked, to go out in one write with the messages behind it.
          upstream.uncork();
          upstream.cork();
          await pending;
        }
      }
    } catch (error) {
      if (error instanceof ProtocolError) this.protocolViolation(error.message);
      else {
        this.context.log.error({ err: (error as Error).message }, 'PostgreSQL door session failed');
        this.close();
      }
    } finally {
      upstream.uncork();
      this.processing = false;
      if (this.inbox.length < MAX_INBOX && !this.closed) this.client.resume();
    }
  }

  /** Returns a promise only when the message must wait (for the gate, or for the upstream). */
  private handle(frame: Buffer): Promise<void> | undefined {
    const message = parseFrontend(frame);
    if (this.skipUntilSync && message.name !== 'sync' && message.name !== 'terminate') return undefined;
    // Each message Airlock judges is a request of its own: its records and log lines share an id,
    // passed down to everything that writes them (a Parse is only recorded when it fails to parse).
    switch (message.name) {
      case 'query':
        return this.onQuery(message, newRequestId());
      case 'parse':
        return this.onParse(message);
      case 'bind':
        return this.onBind(message, newRequestId());
      case 'sync':
        this.skipUntilSync = false;
        this.sendSync(frame);
        return this.measuring ? this.takeMeasuring() : undefined;
      case 'close':
        this.onCloseStatement(message);
        this.sendExtended(frame);
        return undefined;
      case 'execute':
        this.executedSinceSync = true;
        this.sendExtended(frame);
        return undefined;
      case 'describe':
      case 'flush':
        this.sendExtended(frame);
        return undefined;
      case 'copyData':
      case 'copyDone':
      case 'copyFail':
        this.send(frame);
        return undefined;
      case 'terminate':
        this.send(frame);
        this.upstream.socket.end();
        this.client.end();
        return undefined;
      case 'functionCall':
        this.refuseSimple({
          ...errorFields(
            '0A000',
            'Airlock does not forward fast-path function calls: they name a function by its OID, outside SQL, where Airlock cannot judge them',
          ),
          H: 'Call the function in SQL instead (SELECT f(…)), where Airlock can judge it.',
        });
        return undefined;
      default:
        throw new ProtocolError(`unexpected message ${String.fromCharCode(frame[0]!)} after login`);
    }
  }

  private async onQuery(message: Query, requestId: string): Promise<void> {
    // A Query after unsynced extended messages: Sync them first, so that every message the
    // upstream gets has exactly one ReadyForQuery to count.
    if (this.extendedSinceSync) this.sendSync(toServer.sync());
    if (this.measuring) await this.takeMeasuring();
    if (!readingIndependent(message.text) && !(await this.readingConfirmed())) return;
    const analysis = analyzeSql(message.text, this.entry.classifier);
    if (!analysis.ok) {
      await this.recordUnparsable(message.text, analysis, requestId);
      this.refuseSimple(this.syntaxErrorFields(analysis));
      return;
    }
    if (analysis.statements.length === 0) {
      this.send(message.raw);
      this.windowSent();
      return;
    }
    const guarded = this.guardedSettingOf(analysis.statements);
    if (guarded) {
      this.refuseSimple(guarded);
      return;
    }
    const radius = this.radiusOf(analysis.statements, false);
    const parts = this.escalated(
      analysis.statements.map((s) => this.resolved(s)),
      radius,
    );
    const operation = this.operationOf(parts, analysis.canonical, [], message.text);
    const request = storedQuery(this.entry.config.name, message.text);
    const verdict = await this.decide(operation, analysis.holdId, request, requestId);
    if (this.closed) return;
    if (verdict.kind !== 'allow') {
      this.refuseSimple(this.refusalFields(verdict, operation), verdict.kind === 'deny' && verdict.code === 'unauthenticated');
      return;
    }
    if (operation.class === 'destructive' && !(await this.backupBefore(operation, verdict, requestId))) return;
    this.applyEffects(analysis.statements);
    // A simple Query destroys the unnamed prepared statement.
    this.prepared.delete('');
    // An approved hold was seen by a human: it runs as approved, unmeasured.
    if (radius?.kind === 'measure' && !verdict.holdId) {
      const opened = await this.openMeasured(false);
      if (this.closed) return;
      const answer = opened && opened !== 'skip' ? this.capture() : undefined;
      this.send(message.raw);
      this.windowSent();
      if (!opened || opened === 'skip' || !answer) return;
      this.flushUpstream();
      await this.settleMeasured(await answer, opened.inBlock, radius, parts, operation, request, analysis.holdId, requestId);
      return;
    }
    this.send(message.raw);
    this.windowSent();
  }

  // ─── blast radius ─────────────────────────────────────────────────────────────────────

  /**
   * The one write of `statements` that must be measured (a statement sent alone: a simple Query
   * of one statement, or a Bind with no Execute before it in its pipeline), or held up front
   * because it cannot be.
   */
  private radiusOf(statements: readonly SqlStatement[], extended: boolean): Radius | undefined {
    for (let index = 0; index < statements.length; index++) {
      const statement = statements[index]!;
      if (statement.part.class !== 'write' || statement.executes) continue;
      const radius = cachedBlastRadiusOf(statement.part.text ?? '');
      if (radius.kind === 'narrow') continue;
      if (radius.kind === 'unmeasurable') return { ...radius, index };
      const unmeasurable = (why: string): Radius => ({ kind: 'unmeasurable', why: `Airlock measures a ${radius.verb} it cannot prove narrow ${why}`, index });
      if (statements.length > 1) return unmeasurable('only when it is sent alone, not with other statements');
      if (extended && (this.executedSinceSync || this.measuring))
        return unmeasurable('only when no other statement runs before it in the same pipeline (send Sync first)');
      return { ...radius, index };
    }
    return undefined;
  }

  /** The parts, with the one that cannot be measured raised to destructive. */
  private escalated(parts: readonly OperationPart[], radius: Radius | undefined, why?: string): OperationPart[] {
    if (!radius || (radius.kind === 'measure' && why === undefined)) return [...parts];
    const reason = why ?? (radius.kind === 'unmeasurable' ? radius.why : '');
    return parts.map((part, i) => (i === radius.index ? { ...part, class: 'destructive', why: part.why ? `${reason}; ${part.why}` : reason } : part));
  }

  /**
   * Opens a savepoint (a transaction of the door's own in autocommit) for a statement to be
   * measured; undefined when there is nothing to measure in (a failed transaction block, where
   * PostgreSQL refuses the statement anyway). `earlier`: extended-protocol messages of the
   * client already sent in this window, which get a Sync of their own first, so that the
   * savepoint is opened before the statement and after them.
   */
  private async openMeasured(earlier: boolean): Promise<{ inBlock: boolean } | 'skip' | undefined> {
    const quiet = this.sentSyncs;
    if (earlier) {
      this.windowModes.set(quiet, 'quiet');
      this.sendSync(toServer.sync());
    }
    if (!(await this.readingConfirmed())) return undefined;
    // One of those earlier messages failed: PostgreSQL would skip the rest until Sync; so does the door.
    if (earlier && this.lastFailedWindow === quiet) return 'skip';
    const status = this.transactionStatus;
    if (status === 'E') return undefined;
    const inBlock = status === 'T';
    this.sendInternal([inBlock ? `SAVEPOINT ${SAVEPOINT}` : 'BEGIN'], 'internal');
    return { inBlock };
  }

  /**
   * Reads the rows the statement touched from its command tag and keeps it only if that is
   * within the blast radius or the gate allows it as destructive (an approved hold, a policy);
   * otherwise rolls it back to the savepoint and answers with the hold. The client sees its
   * statement's own answer and the transaction status it would have had.
   */
  private async settleMeasured(
    answer: readonly Buffer[],
    inBlock: boolean,
    radius: Radius & { kind: 'measure' },
    parts: readonly OperationPart[],
    operation: Operation,
    request: unknown,
    holdInText: string | undefined,
    requestId: string,
  ): Promise<void> {
    if (this.closed) return;
    const end = inBlock ? `RELEASE SAVEPOINT ${SAVEPOINT}` : 'COMMIT';
    const keep = () => {
      this.passCaptured(answer.slice(0, -1));
      this.sendInternal([end], 'final');
    };
    if (answer.some((frame) => frame[0] === 0x45 /* E */)) {
      // It failed as it would have: in a client's block the block is failed; alone, rolled back.
      if (inBlock) this.passCaptured(answer);
      else {
        this.passCaptured(answer.slice(0, -1));
        this.sendInternal(['ROLLBACK'], 'final');
      }
      return;
    }
    const config = this.context.runtime.config.postgres.blastRadius;
    const tag = commandTagOf(answer);
    // A Bind never executed touched nothing; a portal suspended part way cannot be counted.
    const suspended = answer.some((frame) => frame[0] === 0x73 /* s */);
    const count = tag === undefined ? (suspended ? undefined : 0) : affectedRows(tag);
    let total: number | undefined;
    let counted = count !== undefined;
    const limit = count === undefined ? undefined : rowsToCount(count, config);
    if (limit !== undefined) {
      const rows = this.capture();
      this.sendInternal([`SELECT count(*) FROM (SELECT 1 FROM ${radius.relation} LIMIT ${limit}) AS airlock_rows`]);
      this.flushUpstream();
      const remaining = firstValueOf(await rows);
      if (this.closed) return;
      counted = remaining !== undefined;
      if (remaining !== undefined) total = radius.verb === 'DELETE' ? remaining + count! : remaining;
    }
    if (count !== undefined && counted && !exceedsBlastRadius(count, total, config)) {
      keep();
      return;
    }
    const rowsOf = total === undefined ? '' : ` of ${total}${limit !== undefined && total >= limit ? '+' : ''}`;
    const evidence = !counted
      ? `Airlock could not count the rows this ${radius.verb} touched in ${radius.relation}, so it rolled it back`
      : `this ${radius.verb} touched ${count}${rowsOf} rows of ${radius.relation}, more than the blast radius (${describeBlastRadius(config)}); Airlock rolled it back`;
    const escalated = this.operationOf(this.escalated(parts, radius, evidence), '', [], operation.summary, operation.digest);
    const holdId = holdInText ?? this.pendingHoldId;
    // Not waiting for operators here: the statement's locks are held until it is settled.
    const { verdict } = await this.context.runtime.gate.decide({
      operation: escalated,
      token: this.identity.token,
      ...(holdId ? { holdId } : {}),
      request,
      evidence: [evidence],
      requestId,
    });
    if (this.closed) return;
    if (holdId && verdict.holdId === holdId && verdict.kind !== 'hold') this.pendingHoldId = undefined;
    if (verdict.kind === 'allow' && counted) {
      keep();
      return;
    }
    this.sendInternal(inBlock ? [`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`, `RELEASE SAVEPOINT ${SAVEPOINT}`] : ['ROLLBACK'], 'internal');
    const refusal: Exclude<typeof verdict, { kind: 'allow' }> =
      verdict.kind === 'allow' ? { kind: 'deny', code: 'unavailable', reasons: [evidence], policies: ['airlock/blast-radius'] } : verdict;
    this.refuseInWindowOfItsOwn(this.refusalFields(refusal, escalated), refusal.kind === 'deny' && refusal.code === 'unauthenticated');
  }

  /**
   * Sends statements of the door's own in one Sync window, whose answer is treated as `mode`
   * says. In the extended protocol, under names of their own: a simple Query would drop the
   * client's unnamed prepared statement, and a Bind to the unnamed portal its unnamed portal.
   */
  private sendInternal(sqls: readonly string[], mode?: 'internal' | 'final'): void {
    if (mode) this.windowModes.set(this.sentSyncs, mode);
    const frames: Buffer[] = [];
    for (const sql of sqls) {
      const name = `airlock_internal_${++this.internalNames}`;
      frames.push(toServer.parse(name, sql), toServer.bind(name, name, [], []), toServer.execute(name), toServer.close('P', name), toServer.close('S', name));
    }
    frames.push(toServer.sync());
    this.send(Buffer.concat(frames));
    this.windowSent(false);
  }

  /** Resolves with every frame of the answer to the next window sent, up to its ReadyForQuery. */
  private capture(): Promise<Buffer[]> {
    return new Promise((resolve) => {
      const frames: Buffer[] = [];
      const aborted = () => resolve(frames);
      this.abort.signal.addEventListener('abort', aborted, { once: true });
      const done = () => {
        this.abort.signal.removeEventListener('abort', aborted);
        resolve(frames);
      };
      this.windowModes.set(this.sentSyncs, { frames, done });
      if (this.closed) done();
    });
  }

  /** Out now: what is sent next is awaited while the rest of the inbox waits behind it. */
  private flushUpstream(): void {
    this.upstream.socket.uncork();
    this.upstream.socket.cork();
  }

  private passCaptured(frames: readonly Buffer[]): void {
    const passed = new PassedFrames(this.client, redactorFor(this.context.runtime.config));
    for (const frame of frames) passed.add(frame);
    passed.flush();
  }

  /** A refusal as a failed Parse with a Sync of its own, leaving the client's statements as they are. */
  private refuseInWindowOfItsOwn(fields: NoticeFields, fatal = false): void {
    const nonce = this.poison(fields, fatal);
    this.send(Buffer.concat([toServer.parse(`airlock_refused_${nonce}`, `airlock_refused_${nonce}`), toServer.sync()]));
    this.windowSent(false);
  }

  /**
   * Waits to record a statement that does not parse (parsing runs nothing, so the gate is not
   * asked), and for the server to confirm its reading before a text that depends on it.
   */
  private onParse(message: Parse): Promise<void> | undefined {
    if (!readingIndependent(message.text)) {
      if (this.executedSinceSync) {
        // The server reports a changed reading only at Sync: nothing can confirm it in between.
        this.extendedSinceSync = true;
        this.refuseExtended({
          ...errorFields(
            '0A000',
            'Airlock does not forward a statement with backslashes or non-ASCII text after an Execute in the same pipeline: until Sync, it cannot know how the server will read it',
          ),
          H: 'Send Sync after the Execute, then this Parse.',
        });
        return undefined;
      }
      if (this.receivedRfqs < this.sentSyncs) return this.readingConfirmed().then((ok) => (ok ? this.parseNow(message) : undefined));
    }
    return this.parseNow(message);
  }

  private parseNow(message: Parse): Promise<void> | undefined {
    const analysis = analyzeSql(message.text, this.entry.classifier);
    this.extendedSinceSync = true;
    if (!analysis.ok) {
      if (message.statement === '') this.prepared.delete('');
      return this.recordUnparsable(message.text, analysis, newRequestId()).then(() => this.refuseExtended(this.syntaxErrorFields(analysis)));
    }
    const prepared: Prepared = {
      text: message.text,
      canonical: analysis.canonical,
      statements: analysis.statements,
      parameterTypes: message.parameterTypes,
    };
    this.pendingParses.push({ window: this.sentSyncs, name: message.statement, prepared });
    this.closedInWindow.delete(message.statement);
    // Parsing runs nothing: the statement is judged when it is bound to parameters to run.
    this.send(message.raw);
    return undefined;
  }

  private async onBind(message: Bind, requestId: string): Promise<void> {
    const earlier = this.extendedSinceSync;
    this.extendedSinceSync = true;
    // Known at once nearly always: only a Parse of an earlier, unanswered window is waited for.
    const known = this.statementFor(message.statement);
    const prepared = known instanceof Promise ? await known : known;
    if (this.closed) return;
    if (!prepared) {
      const name = message.statement === '' ? 'unnamed prepared statement does not exist' : `prepared statement "${message.statement}" does not exist`;
      this.refuseExtended(errorFields('26000', name));
      return;
    }
    if (prepared.statements.length === 0) {
      this.send(message.raw);
      return;
    }
    const guarded = this.guardedSettingOf(prepared.statements);
    if (guarded) {
      this.refuseExtended(guarded);
      return;
    }
    const radius = this.radiusOf(prepared.statements, true);
    const parts = this.escalated(
      prepared.statements.map((s) => this.resolved(s)),
      radius,
    );
    const parameters = message.parameters.map((value, i) =>
      Buffer.concat([Buffer.from([message.formatOf(i), value === null ? 1 : 0]), value ?? Buffer.alloc(0)]),
    );
    const operation = this.operationOf(parts, prepared.canonical, [prepared.parameterTypes.join(','), ...parameters], prepared.text);
    const request = storedExtended(this.entry.config.name, prepared.text, prepared.parameterTypes, message);
    const holdInText = prepared.statements.findLast((s) => s.holdId !== undefined)?.holdId;
    const verdict = await this.decide(operation, holdInText, request, requestId);
    if (this.closed) return;
    if (verdict.kind !== 'allow') {
      this.refuseExtended(this.refusalFields(verdict, operation), verdict.kind === 'deny' && verdict.code === 'unauthenticated');
      return;
    }
    if (operation.class === 'destructive' && !(await this.backupBefore(operation, verdict, requestId, true))) return;
    this.applyEffects(prepared.statements);
    if (radius?.kind === 'measure' && !verdict.holdId) {
      const opened = await this.openMeasured(earlier);
      if (this.closed) return;
      if (opened === 'skip') {
        this.extendedSinceSync = true;
        this.skipUntilSync = true;
        return;
      }
      if (opened) {
        const answer = this.capture();
        this.measuring = answer.then((frames) => this.settleMeasured(frames, opened.inBlock, radius, parts, operation, request, holdInText, requestId));
      }
      this.extendedSinceSync = true;
    }
    this.send(message.raw);
  }

  private takeMeasuring(): Promise<void> | undefined {
    const measuring = this.measuring;
    this.measuring = undefined;
    if (measuring) this.flushUpstream();
    return measuring;
  }

  private onCloseStatement(message: Close): void {
    if (message.kind !== 'S') return;
    // Forgetting is always safe: an unknown statement is refused, never guessed.
    this.prepared.delete(message.target);
    this.closedInWindow.add(message.target);
  }

  /**
   * The statement a Bind names. A Parse sent in this same window is authoritative (if it
   * fails, the upstream skips this Bind too); one from an earlier window is only known once
   * the upstream has answered that window, so the door waits for it.
   */
  private statementFor(name: string): Prepared | undefined | Promise<Prepared | undefined> {
    for (let i = this.pendingParses.length - 1; i >= 0; i--) {
      const pending = this.pendingParses[i]!;
      if (pending.name !== name) continue;
      if (pending.window === this.sentSyncs) return this.closedInWindow.has(name) ? undefined : pending.prepared;
      return this.windowAnswered(pending.window).then(() => (this.closed ? undefined : this.statementFor(name)));
    }
    if (this.closedInWindow.has(name)) return undefined;
    return this.prepared.get(name);
  }

  /**
   * Resolves once the upstream has answered everything sent so far, so that any change of its
   * reading has been reported (and, if it is one Airlock does not parse with, the session ended:
   * then false).
   */
  private async readingConfirmed(): Promise<boolean> {
    if (this.receivedRfqs < this.sentSyncs) {
      this.flushUpstream();
      await this.windowAnswered(this.sentSyncs - 1);
    }
    return !this.closed;
  }

  private windowAnswered(window: number): Promise<void> {
    if (this.receivedRfqs > window || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.windowWaiters.push({ window, resolve }));
  }

  /** EXECUTE of a statement prepared earlier in the session is judged as that statement. */
  private resolved(statement: SqlStatement): OperationPart {
    if (!statement.executes) return statement.part;
    const known = this.prepared.get(statement.executes);
    if (!known) return statement.part;
    const parts = known.statements.map((s) => s.part);
    const worst = parts.reduce<OperationPart | undefined>((w, p) => (!w || severity(p.class) > severity(w.class) ? p : w), undefined);
    if (!worst) return { action: statement.part.action, class: 'read', resources: [], ...(statement.part.text ? { text: statement.part.text } : {}) };
    return {
      action: statement.part.action,
      class: worst.class,
      resources: [...new Set(parts.flatMap((p) => p.resources))],
      ...(worst.why ? { why: `EXECUTE ${statement.executes} runs: ${worst.why}` } : {}),
      ...(statement.part.text ? { text: statement.part.text } : {}),
    };
  }

  private applyEffects(statements: readonly SqlStatement[]): void {
    for (const statement of statements) {
      if (statement.prepares) {
        const { name, action, class: cls, why, resources } = statement.prepares;
        const before = this.prepared.get(name);
        const part: OperationPart = { action, class: cls, resources, ...(why ? { why } : {}), text: statement.part.text ?? '' };
        const parts = before ? [...before.statements.map((s) => s.part), part] : [part];
        // A second PREPARE of a taken name fails upstream; keep the worse of the two, in case.
        this.prepared.set(name, {
          text: statement.part.text ?? '',
          canonical: statement.canonical,
          statements: parts.map((p) => ({ part: p, type: p.action.slice(4), canonical: statement.canonical, parameters: statement.parameters })),
          parameterTypes: [],
        });
      }
      if (statement.deallocates === '*') this.prepared.clear();
      else if (statement.deallocates) this.prepared.delete(statement.deallocates);
      if (statement.holdId !== undefined) this.pendingHoldId = statement.holdId || undefined;
      for (const setting of statement.settings ?? []) {
        if ((setting.name === 'airlock.hold' || setting.name === 'all') && setting.value === null) this.pendingHoldId = undefined;
      }
    }
  }

  private guardedSettingOf(statements: readonly SqlStatement[]): NoticeFields | undefined {
    for (const statement of statements) {
      for (const setting of statement.settings ?? []) {
        const problem = guardedSetting(setting.name, setting.value);
        if (problem)
          return { ...errorFields('0A000', problem), H: 'Leave this setting as it is: Airlock reads your SQL the way the server does only with it.' };
      }
    }
    return undefined;
  }

  private operationOf(parts: readonly OperationPart[], canonical: string, extra: readonly (string | Buffer)[], text: string, digest?: string): Operation {
    const { config } = this.entry;
    const resources = parts.length === 1 ? parts[0]!.resources : [...new Set(parts.flatMap((p) => p.resources))];
    return operationFromParts({
      door: 'postgres',
      upstream: config.name,
      environment: resolveEnvironment(config, resources),
      parts,
      digest: digest ?? requestDigest('postgres', config.name, canonical, ...extra),
      // The whole text, as sent: what an operator reads, and what a backup step plans from.
      summary: text,
    });
  }

  private async decide(operation: Operation, holdInText: string | undefined, request: unknown, requestId: string): Promise<Verdict> {
    const holdId = holdInText ?? this.pendingHoldId;
    // A cancel may arrive while the gate is still deciding, before any wait has begun: the
    // controller is made by whichever comes first, the cancel or the wait, so that a statement
    // that is never held (nearly all) makes none.
    let controller: AbortController | undefined;
    const aborting = () => {
      controller ??= new AbortController();
      return controller;
    };
    const waiting = { abort: () => aborting().abort() };
    this.waiting = waiting;
    let result: Awaited<ReturnType<typeof decideAndWait>>;
    try {
      result = await decideAndWait(
        this.context.runtime,
        { operation, token: this.identity.token, ...(holdId ? { holdId } : {}), request, requestId },
        { signal: () => AbortSignal.any([this.abort.signal, aborting().signal]) },
      );
    } finally {
      if (this.waiting === waiting) this.waiting = undefined;
    }
    const { verdict } = result;
    if (holdId && verdict.holdId === holdId && verdict.kind !== 'hold') this.pendingHoldId = undefined;
    return verdict;
  }

  /** Backup before a destructive operation runs; false when it failed and the refusal has been sent instead. */
  private async backupBefore(operation: Operation, verdict: Extract<Verdict, { kind: 'allow' }>, requestId: string, extended = false): Promise<boolean> {
    const backup = await backupBeforeForward(this.context.runtime, {
      operation,
      agent: this.identity.agent,
      tokenId: this.identity.tokenId,
      holdId: verdict.holdId,
      requestId,
    });
    if (backup.ok || this.closed) return !this.closed;
    const fields = this.refusalFields(backup.verdict, operation);
    if (extended) this.refuseExtended(fields);
    else this.refuseSimple(fields);
    return false;
  }

  // ─── refusals ─────────────────────────────────────────────────────────────────────────

  private refusalFields(verdict: Exclude<Verdict, { kind: 'allow' }>, operation: Operation): NoticeFields {
    const refusal = refusalFor(verdict, RETRY_HINT.replace('<hold id>', verdict.holdId ?? '<hold id>'));
    const worst = operation.parts.find((p) => p.action === operation.action && p.class === operation.class);
    const unauthenticated = verdict.kind === 'deny' && verdict.code === 'unauthenticated';
    return {
      S: unauthenticated ? 'FATAL' : 'ERROR',
      V: unauthenticated ? 'FATAL' : 'ERROR',
      C: unauthenticated ? '28000' : '42501',
      M: refusal.message,
      ...(worst?.why ? { D: `${operation.action} is ${operation.class}: ${worst.why}` } : { D: `${operation.action} is ${operation.class}` }),
      H: refusal.instruction,
    };
  }

  private syntaxErrorFields(analysis: Extract<SqlAnalysis, { ok: false }>): NoticeFields {
    const refusal = refusalFor({
      kind: 'deny',
      code: 'bad_request',
      reasons: [`PostgreSQL's parser rejects this SQL (${analysis.error}), so Airlock did not forward it`],
      policies: ['airlock/parse'],
    });
    return {
      ...errorFields('42601', analysis.error),
      ...(analysis.position ? { P: String(analysis.position) } : {}),
      H: `${refusal.message} ${refusal.instruction}`,
    };
  }

  /** In place of a refused Query (or fast-path call): a statement the upstream fails, then the refusal. */
  private refuseSimple(fields: NoticeFields, fatal = false): void {
    const nonce = this.poison(fields, fatal);
    this.send(toServer.query(`airlock_refused_${nonce}`));
    this.windowSent(false);
  }

  /** In place of a refused Parse or Bind: a Parse the upstream fails; the rest waits for Sync. */
  private refuseExtended(fields: NoticeFields, fatal = false): void {
    const nonce = this.poison(fields, fatal);
    // Named, so that a client's unnamed statement is left as PostgreSQL would leave it.
    this.send(toServer.parse(`airlock_refused_${nonce}`, `airlock_refused_${nonce}`));
    this.extendedSinceSync = true;
    this.skipUntilSync = true;
  }

  private poison(fields: NoticeFields, fatal: boolean): string {
    const nonce = randomBytes(8).toString('hex');
    this.poisons.set(nonce, { window: this.sentSyncs, fields, fatal });
    return nonce;
  }

  private async recordUnparsable(text: string, analysis: Extract<SqlAnalysis, { ok: false }>, requestId: string): Promise<void> {
    try {
      await this.context.runtime.audit.append({
        type: 'decision',
        agent: this.identity.agent,
        token: this.identity.tokenId,
        door: 'postgres',
        upstream: this.entry.config.name,
        action: 'sql:unparsable',
        verdict: 'deny',
        code: 'bad_request',
        summary: text.slice(0, 4096),
        digest: requestDigest('postgres', this.entry.config.name, text),
        reasons: [`PostgreSQL's parser rejects this SQL: ${analysis.error}`],
        policies: ['airlock/parse'],
        requestId,
      });
    } catch (error) {
      this.context.log.warn({ requestId, err: (error as Error).message }, 'could not record an unparsable statement');
    }
  }

  // ─── upstream → client ────────────────────────────────────────────────────────────────

  private fromUpstream(chunk: Buffer): void {
    const { client } = this;
    const passed = new PassedFrames(client, redactorFor(this.context.runtime.config));
    let fatal = false;
    try {
      if (chunk.length > 0) this.upstreamReader.push(chunk);
      client.cork();
      for (let frame = this.upstreamReader.next(); frame; frame = this.upstreamReader.next()) {
        const code = frame[0]!;
        const mode = code === 0x53 /* S */ ? undefined : this.windowModes.get(this.receivedRfqs);
        if (mode === 'quiet' && code === 0x5a /* Z */) {
          this.windowModes.delete(this.receivedRfqs);
          this.transactionStatus = (parseBackend(frame) as ReadyForQuery).status;
          this.windowDone();
          continue;
        }
        if (code === 0x45 /* E */) this.lastFailedWindow = this.receivedRfqs;
        if (mode && mode !== 'quiet') {
          if (code === 0x5a /* Z */) {
            this.windowModes.delete(this.receivedRfqs);
            this.transactionStatus = (parseBackend(frame) as ReadyForQuery).status;
            this.windowDone();
          }
          if (mode === 'final') {
            if (FINAL_FRAMES.has(code)) passed.add(frame);
          } else if (mode !== 'internal') {
            // The client's own window, kept back: its bookkeeping and refusals as in any other.
            if (code === 0x31 /* 1 */) this.parseCompleted(parseBackend(frame) as ParseComplete);
            mode.frames.push(code === 0x45 /* E */ ? this.refusalIn(frame) : Buffer.from(frame));
            if (code === 0x5a) mode.done();
          }
          continue;
        }
        if (code === 0x5a /* Z */) {
          const rfq = parseBackend(frame) as ReadyForQuery;
          this.transactionStatus = rfq.status;
          this.windowDone();
          passed.add(rfq.raw);
        } else if (code === 0x31 /* 1 */) {
          this.parseCompleted(parseBackend(frame) as ParseComplete);
          passed.add(frame);
        } else if (code === 0x53 /* S */) {
          const status = parseBackend(frame) as ParameterStatus;
          const problem = readingProblem(status.parameter, status.value);
          if (problem) {
            passed.flush();
            this.readingChanged(problem);
            fatal = true;
            break;
          }
          passed.add(frame);
        } else if (code === 0x45 /* E */) {
          const error = parseBackend(frame) as ErrorResponse;
          const nonce = POISON.exec(error.fields.M ?? '')?.[1];
          const poison = nonce ? this.poisons.get(nonce) : undefined;
          if (poison) {
            this.poisons.delete(nonce!);
            passed.flush();
            client.write(toClient.errorResponse(poison.fields));
            if (poison.fatal) {
              // PostgreSQL ends a session after a FATAL error, with no ReadyForQuery.
              fatal = true;
              break;
            }
          } else passed.add(frame);
        } else {
          passed.add(frame);
        }
      }
    } catch (error) {
      this.context.log.warn({ upstream: this.entry.config.name, err: (error as Error).message }, 'upstream sent an invalid message');
      fatal = true;
    } finally {
      passed.flush();
      client.uncork();
    }
    if (fatal) {
      this.client.end();
      this.close();
      return;
    }
    if (client.writableNeedDrain) this.upstream.socket.pause();
  }

  /**
   * The server reads SQL in a way Airlock does not parse: no statement may follow. The session
   * ends with PostgreSQL's FATAL form, after the answers to what was already forwarded (which
   * was read the same either way: see readingIndependent).
   */
  private readingChanged(problem: string): void {
    this.readingFailed = true;
    const refusal = refusalFor({ kind: 'deny', code: 'forbidden', reasons: [problem], policies: ['airlock/reading'] });
    this.client.write(toClient.errorResponse({ ...errorFields('0A000', refusal.message), S: 'FATAL', V: 'FATAL', H: refusal.instruction }));
    this.context.log.warn({ upstream: this.entry.config.name, agent: this.identity.agent, problem }, 'ended a PostgreSQL session whose reading of SQL changed');
    void this.context.runtime.audit
      .append({
        type: 'decision',
        agent: this.identity.agent,
        token: this.identity.tokenId,
        door: 'postgres',
        upstream: this.entry.config.name,
        action: 'sql:reading',
        verdict: 'deny',
        code: 'forbidden',
        summary: problem,
        reasons: [problem, 'Airlock ended the session, so that no statement is read two ways'],
        policies: ['airlock/reading'],
      })
      .catch((error: Error) => this.context.log.warn({ err: error.message }, 'could not record the end of a session whose reading changed'));
  }

  /** An ErrorResponse, or the refusal it stands for when it is the door's own poisoned statement. */
  private refusalIn(frame: Buffer): Buffer {
    const error = parseBackend(frame) as ErrorResponse;
    const nonce = POISON.exec(error.fields.M ?? '')?.[1];
    const poison = nonce ? this.poisons.get(nonce) : undefined;
    if (!poison) return Buffer.from(frame);
    this.poisons.delete(nonce!);
    return toClient.errorResponse(poison.fields);
  }

  private parseCompleted(_message: ParseComplete): void {
    const pending = this.pendingParses.shift();
    if (!pending) return;
    this.prepared.set(pending.name, pending.prepared);
  }

  /** A ReadyForQuery: the window it answers is over; Parses of it without ParseComplete failed. */
  private windowDone(): void {
    const window = this.receivedRfqs++;
    this.windowTimers.get(window)?.();
    this.windowTimers.delete(window);
    while (this.pendingParses.length > 0 && this.pendingParses[0]!.window <= window) {
      const failed = this.pendingParses.shift()!;
      // It failed or was skipped: PostgreSQL drops the unnamed statement when its Parse fails.
      if (failed.name === '') this.prepared.delete('');
    }
    if (this.poisons.size > 0) for (const [nonce, poison] of this.poisons) if (poison.window <= window) this.poisons.delete(nonce);
    for (let i = this.windowWaiters.length - 1; i >= 0; i--) {
      if (this.windowWaiters[i]!.window <= window) this.windowWaiters.splice(i, 1)[0]!.resolve();
    }
  }

  // ─── sending ──────────────────────────────────────────────────────────────────────────

  private send(frame: Buffer): void {
    if (this.closed || this.readingFailed) return;
    this.windowTimer ??= this.context.runtime.metrics.forwarding('postgres', this.entry.config.name);
    this.upstream.socket.write(frame);
  }

  /**
   * The window just sent ends with this Sync or Query: its ReadyForQuery stops its timer. The
   * door's own windows (refusals, blast-radius savepoints) are not the agent's statements: `timed` false.
   */
  private windowSent(timed = true): void {
    if (this.windowTimer && timed) this.windowTimers.set(this.sentSyncs, this.windowTimer);
    this.windowTimer = undefined;
    this.sentSyncs++;
  }

  private sendExtended(frame: Buffer): void {
    this.extendedSinceSync = true;
    this.send(frame);
  }

  private sendSync(frame: Buffer): void {
    this.send(frame);
    this.windowSent();
    this.extendedSinceSync = false;
    this.executedSinceSync = false;
    this.closedInWindow.clear();
  }

  private protocolViolation(message: string): void {
    if (this.closed) return;
    this.client.write(toClient.errorResponse({ ...errorFields('08P01', message), S: 'FATAL', V: 'FATAL' }));
    this.client.end();
    this.close();
  }
}

export function errorFields(code: string, message: string): Record<string, string> {
  return { S: 'ERROR', V: 'ERROR', C: code, M: message };
}

/** The tag of the first CommandComplete among frames: the measured statement's, which ran first in its window. */
function commandTagOf(frames: readonly Buffer[]): string | undefined {
  const complete = frames.find((frame) => frame[0] === 0x43 /* C */);
  return complete?.toString('utf8', 5, complete.length - 1);
}

/** The first column of the first DataRow, as a number. */
function firstValueOf(frames: readonly Buffer[]): number | undefined {
  const row = frames.find((frame) => frame[0] === 0x44 /* D */);
  if (!row || row.readInt16BE(5) < 1) return undefined;
  const length = row.readInt32BE(7);
  if (length < 0) return undefined;
  const value = Number(row.toString('utf8', 11, 11 + length));
  return Number.isFinite(value) ? value : undefined;
}
