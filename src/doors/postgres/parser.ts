/**
 * Bytes → messages, for both directions. A frame is `code (1 byte) · length (int32, itself
 * included) · body`; the startup-phase messages have no code. Frames are returned as views of
 * what was read, so that forwarding one is a write of the same bytes.
 */
import {
  Authentication,
  BackendKeyData,
  Bind,
  CANCEL_REQUEST_CODE,
  CancelRequest,
  Close,
  CopyData,
  CopyDone,
  CopyFail,
  Describe,
  ErrorResponse,
  Execute,
  Flush,
  FunctionCall,
  GSSENC_REQUEST_CODE,
  GSSENCRequest,
  NoticeResponse,
  OtherBackendMessage,
  ParameterStatus,
  Parse,
  ParseComplete,
  PasswordMessage,
  Query,
  ReadyForQuery,
  SSL_REQUEST_CODE,
  SSLRequest,
  StartupMessage,
  Sync,
  Terminate,
  UnknownFrontendMessage,
  type BackendMessage,
  type FrontendMessage,
  type NoticeFields,
  type StartupPhaseMessage,
  type TransactionStatus,
} from './messages.js';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** The largest message the door accepts; PostgreSQL's own limit is 1 GB, a proxy needs less. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Splits a byte stream into frames. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;

  constructor(private maxBytes = MAX_MESSAGE_BYTES) {}

  /** Changes the largest frame accepted from now on (login accepts less than a session). */
  limit(maxBytes: number): void {
    this.maxBytes = maxBytes;
  }

  push(chunk: Buffer): void {
    if (this.offset >= this.buffer.length) {
      this.buffer = chunk;
    } else {
      this.buffer = Buffer.concat([this.buffer.subarray(this.offset), chunk]);
    }
    this.offset = 0;
  }

  /** The bytes read but not yet returned as frames (for a TLS upgrade, which must start clean). */
  get pending(): number {
    return this.buffer.length - this.offset;
  }

  /** The next startup-phase frame (length · body), or undefined until it is complete. */
  nextStartup(): Buffer | undefined {
    return this.take(0);
  }

  /** The next typed frame (code · length · body), or undefined until it is complete. */
  next(): Buffer | undefined {
    return this.take(1);
  }

  private take(codeBytes: 0 | 1): Buffer | undefined {
    const available = this.buffer.length - this.offset;
    if (available < codeBytes + 4) return undefined;
    const length = this.buffer.readInt32BE(this.offset + codeBytes);
    if (length < 4 || length > this.maxBytes) {
      throw new ProtocolError(`invalid message length ${length}`);
    }
    const total = codeBytes + length;
    if (available < total) return undefined;
    const frame = this.buffer.subarray(this.offset, this.offset + total);
    this.offset += total;
    return frame;
  }
}

/** Reads a message body field by field, refusing to read past its end. */
class BodyReader {
  private at: number;
  constructor(
    private readonly frame: Buffer,
    start: number,
  ) {
    this.at = start;
  }
  int16(): number {
    this.need(2);
    const value = this.frame.readInt16BE(this.at);
    this.at += 2;
    return value;
  }
  int32(): number {
    this.need(4);
    const value = this.frame.readInt32BE(this.at);
    this.at += 4;
    return value;
  }
  uint32(): number {
    this.need(4);
    const value = this.frame.readUInt32BE(this.at);
    this.at += 4;
    return value;
  }
  byte(): number {
    this.need(1);
    return this.frame[this.at++]!;
  }
  cstring(): string {
    const end = this.frame.indexOf(0, this.at);
    if (end < 0) throw new ProtocolError('unterminated string in message');
    const value = this.frame.toString('utf8', this.at, end);
    this.at = end + 1;
    return value;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const value = this.frame.subarray(this.at, this.at + n);
    this.at += n;
    return value;
  }
  rest(): Buffer {
    const value = this.frame.subarray(this.at);
    this.at = this.frame.length;
    return value;
  }
  get remaining(): number {
    return this.frame.length - this.at;
  }
  /** As PostgreSQL's pq_getmsgend: bytes past a message's last field are an error, not ignored. */
  end<T>(message: T): T {
    if (this.at !== this.frame.length) throw new ProtocolError('invalid message format: bytes after the last field');
    return message;
  }
  private need(n: number): void {
    if (this.at + n > this.frame.length) throw new ProtocolError('message shorter than its fields');
  }
}

export function parseStartup(frame: Buffer): StartupPhaseMessage {
  const body = new BodyReader(frame, 4);
  const code = body.int32();
  switch (code) {
    case SSL_REQUEST_CODE:
      return body.end(new SSLRequest(frame));
    case GSSENC_REQUEST_CODE:
      return body.end(new GSSENCRequest(frame));
    case CANCEL_REQUEST_CODE: {
      const processId = body.int32();
      return new CancelRequest(frame, processId, body.rest());
    }
    default: {
      if (code >> 16 !== 3) throw new ProtocolError(`unsupported frontend protocol ${code >> 16}.${code & 0xffff}: Airlock speaks protocol 3`);
      const parameters: Record<string, string> = {};
      for (let key = body.cstring(); key !== ''; key = body.cstring()) parameters[key] = body.cstring();
      if (body.remaining !== 0) throw new ProtocolError('invalid startup packet layout: expected terminator as last byte');
      return new StartupMessage(frame, code, parameters);
    }
  }
}

export function parseFrontend(frame: Buffer): FrontendMessage {
  const code = frame[0]!;
  const body = new BodyReader(frame, 5);
  switch (code) {
    case 0x51 /* Q */:
      return body.end(new Query(frame, body.cstring()));
    case 0x50 /* P */:
      {
        const statement = body.cstring();
        const text = body.cstring();
        const count = body.int16();
        const types: number[] = [];
        for (let i = 0; i < count; i++) types.push(body.uint32());
        return body.end(new Parse(frame, statement, text, types));
      }
    case 0x42 /* B */:
      {
        const portal = body.cstring();
        const statement = body.cstring();
        const formatCount = body.int16();
        const formats: number[] = [];
        for (let i = 0; i < formatCount; i++) formats.push(body.int16());
        if (formats.some((format) => format !== 0 && format !== 1)) throw new ProtocolError('unsupported parameter format code in Bind');
        const parameterCount = body.int16();
        if (formatCount > 1 && formatCount !== parameterCount)
          throw new ProtocolError(`bind message has ${formatCount} parameter formats but ${parameterCount} parameters`);
        const parameters: (Buffer | null)[] = [];
        for (let i = 0; i < parameterCount; i++) {
          const length = body.int32();
          if (length < -1) throw new ProtocolError(`invalid parameter length ${length} in Bind`);
          parameters.push(length < 0 ? null : body.bytes(length));
        }
        const resultCount = body.int16();
        const results: number[] = [];
        for (let i = 0; i < resultCount; i++) results.push(body.int16());
        return body.end(new Bind(frame, portal, statement, formats, parameters, results));
      }
    case 0x44 /* D */:
      {
        const kind = String.fromCharCode(body.byte());
        if (kind !== 'S' && kind !== 'P') throw new ProtocolError(`invalid Describe target ${kind}`);
        return body.end(new Describe(frame, kind, body.cstring()));
      }
    case 0x45 /* E */:
      return body.end(new Execute(frame, body.cstring(), body.int32()));
    case 0x43 /* C */:
      {
        const kind = String.fromCharCode(body.byte());
        if (kind !== 'S' && kind !== 'P') throw new ProtocolError(`invalid Close target ${kind}`);
        return body.end(new Close(frame, kind, body.cstring()));
      }
    case 0x53 /* S */:
      return body.end(new Sync(frame));
    case 0x48 /* H */:
      return body.end(new Flush(frame));
    case 0x58 /* X */:
      return body.end(new Terminate(frame));
    case 0x64 /* d */:
      return new CopyData(frame);
    case 0x63 /* c */:
      return body.end(new CopyDone(frame));
    case 0x66 /* f */:
      return body.end(new CopyFail(frame, body.cstring()));
    case 0x70 /* p */:
      return new PasswordMessage(frame, body.rest());
    case 0x46 /* F */:
      return new FunctionCall(frame);
    default:
      return new UnknownFrontendMessage(frame, code);
  }
}

export function parseBackend(frame: Buffer): BackendMessage {
  const code = frame[0]!;
  const body = new BodyReader(frame, 5);
  switch (code) {
    case 0x52 /* R */:
      {
        const authCode = body.int32();
        return new Authentication(frame, authCode, body.rest());
      }
    case 0x53 /* S */:
      return new ParameterStatus(frame, body.cstring(), body.cstring());
    case 0x4b /* K */:
      {
        const processId = body.int32();
        return new BackendKeyData(frame, processId, Buffer.from(body.rest()));
      }
    case 0x5a /* Z */:
      {
        const status = String.fromCharCode(body.byte());
        if (status !== 'I' && status !== 'T' && status !== 'E') throw new ProtocolError(`invalid transaction status ${status}`);
        return new ReadyForQuery(frame, status as TransactionStatus);
      }
    case 0x45 /* E */:
      return new ErrorResponse(frame, noticeFields(body));
    case 0x4e /* N */:
      return new NoticeResponse(frame, noticeFields(body));
    case 0x31 /* 1 */:
      return new ParseComplete(frame);
    default:
      return new OtherBackendMessage(frame, code);
  }
}

function noticeFields(body: BodyReader): NoticeFields {
  const fields: Record<string, string> = {};
  while (body.remaining > 0) {
    const type = body.byte();
    if (type === 0) break;
    fields[String.fromCharCode(type)] = body.cstring();
  }
  return fields;
}
