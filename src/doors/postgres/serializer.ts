/**
 * Messages → bytes. `toClient` writes what the door says to the agent's client as a server;
 * `toServer` writes what it says to the upstream as a client. Only the messages the door
 * originates are here: everything else is forwarded as the bytes it arrived as.
 */
import { CANCEL_REQUEST_CODE, PROTOCOL_3_0, SSL_REQUEST_CODE, type NoticeFields, type TransactionStatus } from './messages.js';

class Writer {
  private parts: Buffer[] = [];
  private size = 0;

  int16(value: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(value);
    return this.push(b);
  }
  int32(value: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(value);
    return this.push(b);
  }
  uint32(value: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(value);
    return this.push(b);
  }
  byte(value: number): this {
    return this.push(Buffer.from([value]));
  }
  cstring(value: string): this {
    return this.push(Buffer.from(`${value}\0`, 'utf8'));
  }
  bytes(value: Buffer): this {
    return this.push(value);
  }

  /** A typed frame: code · length · body. */
  frame(code: string): Buffer {
    const header = Buffer.allocUnsafe(5);
    header[0] = code.charCodeAt(0);
    header.writeInt32BE(this.size + 4, 1);
    return Buffer.concat([header, ...this.parts], this.size + 5);
  }

  /** A startup-phase frame: length · body. */
  untyped(): Buffer {
    const header = Buffer.allocUnsafe(4);
    header.writeInt32BE(this.size + 4);
    return Buffer.concat([header, ...this.parts], this.size + 4);
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
}

const w = () => new Writer();

export const toClient = {
  /** The one-byte answer to SSLRequest / GSSENCRequest. */
  sslResponse: (accept: boolean): Buffer => Buffer.from(accept ? 'S' : 'N'),
  authenticationOk: (): Buffer => w().int32(0).frame('R'),
  authenticationCleartextPassword: (): Buffer => w().int32(3).frame('R'),
  parameterStatus: (name: string, value: string): Buffer => w().cstring(name).cstring(value).frame('S'),
  backendKeyData: (processId: number, secretKey: Buffer): Buffer => w().int32(processId).bytes(secretKey).frame('K'),
  readyForQuery: (status: TransactionStatus): Buffer => w().byte(status.charCodeAt(0)).frame('Z'),
  errorResponse: (fields: NoticeFields): Buffer => noticeFrame('E', fields),
  noticeResponse: (fields: NoticeFields): Buffer => noticeFrame('N', fields),
  /** Tells a client asking for a newer minor version (or _pq_ options) what this server speaks. */
  negotiateProtocolVersion: (minor: number, unrecognized: readonly string[]): Buffer => {
    const writer = w().int32(minor).int32(unrecognized.length);
    for (const option of unrecognized) writer.cstring(option);
    return writer.frame('v');
  },
};

function noticeFrame(code: 'E' | 'N', fields: NoticeFields): Buffer {
  const writer = w();
  for (const [key, value] of Object.entries(fields)) {
    // A NUL inside a field would end it early on the client; PostgreSQL never sends one.
    writer.byte(key.charCodeAt(0)).cstring(value.replace(/\0/g, ''));
  }
  return writer.byte(0).frame(code);
}

export const toServer = {
  startupMessage: (parameters: Readonly<Record<string, string>>): Buffer => {
    const writer = w().int32(PROTOCOL_3_0);
    for (const [key, value] of Object.entries(parameters)) writer.cstring(key).cstring(value);
    return writer.byte(0).untyped();
  },
  sslRequest: (): Buffer => w().int32(SSL_REQUEST_CODE).untyped(),
  cancelRequest: (processId: number, secretKey: Buffer): Buffer => w().int32(CANCEL_REQUEST_CODE).int32(processId).bytes(secretKey).untyped(),
  password: (password: string): Buffer => w().cstring(password).frame('p'),
  saslInitialResponse: (mechanism: string, data: Buffer): Buffer => w().cstring(mechanism).int32(data.length).bytes(data).frame('p'),
  saslResponse: (data: Buffer): Buffer => w().bytes(data).frame('p'),
  query: (text: string): Buffer => w().cstring(text).frame('Q'),
  parse: (statement: string, text: string, parameterTypes: readonly number[] = []): Buffer => {
    const writer = w().cstring(statement).cstring(text).int16(parameterTypes.length);
    for (const type of parameterTypes) writer.uint32(type);
    return writer.frame('P');
  },
  bind: (
    portal: string,
    statement: string,
    parameterFormats: readonly number[],
    parameters: readonly (Buffer | null)[],
    resultFormats: readonly number[] = [],
  ): Buffer => {
    const writer = w().cstring(portal).cstring(statement).int16(parameterFormats.length);
    for (const format of parameterFormats) writer.int16(format);
    writer.int16(parameters.length);
    for (const value of parameters) {
      if (value === null) writer.int32(-1);
      else writer.int32(value.length).bytes(value);
    }
    writer.int16(resultFormats.length);
    for (const format of resultFormats) writer.int16(format);
    return writer.frame('B');
  },
  describePortal: (portal: string): Buffer => w().byte(0x50).cstring(portal).frame('D'),
  execute: (portal: string, maxRows = 0): Buffer => w().cstring(portal).int32(maxRows).frame('E'),
  close: (kind: 'S' | 'P', name: string): Buffer => w().byte(kind.charCodeAt(0)).cstring(name).frame('C'),
  sync: (): Buffer => w().frame('S'),
  terminate: (): Buffer => w().frame('X'),
};
