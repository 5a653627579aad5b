/**
 * PostgreSQL wire-protocol (v3) messages, as the door reads them. One small class per message,
 * readonly fields and a literal `name` that discriminates. Every message read off a socket
 * keeps its `raw` bytes, so that what is forwarded is exactly what was judged.
 */

// ─── Frontend: client → server ───────────────────────────────────────────────────────────

/** Protocol 3.0 is 196608 (3 << 16); 3.2 is 196610. */
export const PROTOCOL_3_0 = 196608;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

export class StartupMessage {
  readonly name = 'startupMessage';
  constructor(
    readonly raw: Buffer,
    readonly protocol: number,
    readonly parameters: Readonly<Record<string, string>>,
  ) {}
  get majorVersion(): number {
    return this.protocol >> 16;
  }
  get minorVersion(): number {
    return this.protocol & 0xffff;
  }
}

export class SSLRequest {
  readonly name = 'sslRequest';
  constructor(readonly raw: Buffer) {}
}

export class GSSENCRequest {
  readonly name = 'gssencRequest';
  constructor(readonly raw: Buffer) {}
}

export class CancelRequest {
  readonly name = 'cancelRequest';
  constructor(
    readonly raw: Buffer,
    readonly processId: number,
    /** 4 bytes in protocol 3.0; up to 256 in 3.2. */
    readonly secretKey: Buffer,
  ) {}
}

export type StartupPhaseMessage = StartupMessage | SSLRequest | GSSENCRequest | CancelRequest;

export class Query {
  readonly name = 'query';
  constructor(
    readonly raw: Buffer,
    readonly text: string,
  ) {}
}

export class Parse {
  readonly name = 'parse';
  constructor(
    readonly raw: Buffer,
    /** '' is the unnamed statement. */
    readonly statement: string,
    readonly text: string,
    readonly parameterTypes: readonly number[],
  ) {}
}

export class Bind {
  readonly name = 'bind';
  constructor(
    readonly raw: Buffer,
    readonly portal: string,
    readonly statement: string,
    /** 0 text, 1 binary: none (all text), one (all alike) or one per parameter. */
    readonly parameterFormats: readonly number[],
    /** null is SQL NULL. */
    readonly parameters: readonly (Buffer | null)[],
    readonly resultFormats: readonly number[],
  ) {}

  formatOf(index: number): number {
    if (this.parameterFormats.length === 0) return 0;
    if (this.parameterFormats.length === 1) return this.parameterFormats[0]!;
    return this.parameterFormats[index] ?? 0;
  }
}

export class Describe {
  readonly name = 'describe';
  constructor(
    readonly raw: Buffer,
    readonly kind: 'S' | 'P',
    readonly target: string,
  ) {}
}

export class Execute {
  readonly name = 'execute';
  constructor(
    readonly raw: Buffer,
    readonly portal: string,
    readonly maxRows: number,
  ) {}
}

export class Close {
  readonly name = 'close';
  constructor(
    readonly raw: Buffer,
    readonly kind: 'S' | 'P',
    readonly target: string,
  ) {}
}

export class Sync {
  readonly name = 'sync';
  constructor(readonly raw: Buffer) {}
}

export class Flush {
  readonly name = 'flush';
  constructor(readonly raw: Buffer) {}
}

export class Terminate {
  readonly name = 'terminate';
  constructor(readonly raw: Buffer) {}
}

export class CopyData {
  readonly name = 'copyData';
  constructor(readonly raw: Buffer) {}
}

export class CopyDone {
  readonly name = 'copyDone';
  constructor(readonly raw: Buffer) {}
}

export class CopyFail {
  readonly name = 'copyFail';
  constructor(
    readonly raw: Buffer,
    readonly message: string,
  ) {}
}

/** PasswordMessage, SASLInitialResponse and SASLResponse share the code 'p'. */
export class PasswordMessage {
  readonly name = 'passwordMessage';
  constructor(
    readonly raw: Buffer,
    readonly body: Buffer,
  ) {}
  /** As a cleartext password: the body up to its terminating NUL. */
  get password(): string {
    const end = this.body.indexOf(0);
    return this.body.subarray(0, end < 0 ? this.body.length : end).toString('utf8');
  }
}

/** The fast-path function call: a function by OID, outside SQL. */
export class FunctionCall {
  readonly name = 'functionCall';
  constructor(readonly raw: Buffer) {}
}

export class UnknownFrontendMessage {
  readonly name = 'unknownFrontend';
  constructor(
    readonly raw: Buffer,
    readonly code: number,
  ) {}
}

export type FrontendMessage =
  | Query
  | Parse
  | Bind
  | Describe
  | Execute
  | Close
  | Sync
  | Flush
  | Terminate
  | CopyData
  | CopyDone
  | CopyFail
  | PasswordMessage
  | FunctionCall
  | UnknownFrontendMessage;

// ─── Backend: server → client ────────────────────────────────────────────────────────────

export class Authentication {
  readonly name = 'authentication';
  constructor(
    readonly raw: Buffer,
    /** 0 ok, 3 cleartext, 5 MD5, 10 SASL, 11 SASL continue, 12 SASL final. */
    readonly code: number,
    readonly data: Buffer,
  ) {}
}

export class ParameterStatus {
  readonly name = 'parameterStatus';
  constructor(
    readonly raw: Buffer,
    readonly parameter: string,
    readonly value: string,
  ) {}
}

export class BackendKeyData {
  readonly name = 'backendKeyData';
  constructor(
    readonly raw: Buffer,
    readonly processId: number,
    readonly secretKey: Buffer,
  ) {}
}

export type TransactionStatus = 'I' | 'T' | 'E';

export class ReadyForQuery {
  readonly name = 'readyForQuery';
  constructor(
    readonly raw: Buffer,
    /** I idle, T in a transaction block, E in a failed transaction block. */
    readonly status: TransactionStatus,
  ) {}
}

/** ErrorResponse and NoticeResponse fields by their one-letter codes (S, V, C, M, D, H, P, …). */
export type NoticeFields = Readonly<Record<string, string>>;

export class ErrorResponse {
  readonly name = 'errorResponse';
  constructor(
    readonly raw: Buffer,
    readonly fields: NoticeFields,
  ) {}
}

export class NoticeResponse {
  readonly name = 'noticeResponse';
  constructor(
    readonly raw: Buffer,
    readonly fields: NoticeFields,
  ) {}
}

export class ParseComplete {
  readonly name = 'parseComplete';
  constructor(readonly raw: Buffer) {}
}

/** Any other backend message: passed through as it came. */
export class OtherBackendMessage {
  readonly name = 'otherBackend';
  constructor(
    readonly raw: Buffer,
    readonly code: number,
  ) {}
}

export type BackendMessage =
  | Authentication
  | ParameterStatus
  | BackendKeyData
  | ReadyForQuery
  | ErrorResponse
  | NoticeResponse
  | ParseComplete
  | OtherBackendMessage;
