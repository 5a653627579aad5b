/**
 * Raw bytes to the door, for tests that send what no client library would: frames whose
 * length lies, unknown types, startup packets that never end. Written apart from Airlock's own
 * parser and serializer, so that a mistake in those cannot hide itself.
 */
import { connect, type Socket } from 'node:net';

export interface Frame {
  readonly type: string;
  /** ErrorResponse fields, keyed by field code; empty for other frames. */
  readonly fields: Record<string, string>;
  readonly body: Buffer;
}

export const bytes = {
  cstring: (s: string) => Buffer.from(`${s}\0`, 'utf8'),
  int32(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  },
  /** A typed frame with the length it should have, or the one given. */
  frame(type: string, body: Buffer, length = body.length + 4): Buffer {
    return Buffer.concat([Buffer.from(type, 'latin1'), bytes.int32(length), body]);
  },
  startup(parameters: Record<string, string>): Buffer {
    const body = Buffer.concat([...Object.entries(parameters).flatMap(([k, v]) => [bytes.cstring(k), bytes.cstring(v)]), Buffer.from([0])]);
    return Buffer.concat([bytes.int32(body.length + 8), bytes.int32(196608), body]);
  },
};

/** A connection that records every frame the door sends and when it closes. */
export class RawConnection {
  readonly frames: Frame[] = [];
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private listeners: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.decode();
      for (const listener of this.listeners.splice(0)) listener();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(host: string, port: number): Promise<RawConnection> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawConnection(socket);
  }

  /** Opens and logs in over plain TCP (the door must allow plaintext from loopback). */
  static async login(host: string, port: number, user: string, password: string, database: string): Promise<RawConnection> {
    const connection = await RawConnection.open(host, port);
    connection.send(bytes.startup({ user, database }));
    await connection.until((f) => f.type === 'R');
    connection.send(bytes.frame('p', bytes.cstring(password)));
    await connection.until((f) => f.type === 'Z' || f.type === 'E');
    const refused = connection.frames.find((f) => f.type === 'E');
    if (refused) throw new Error(refused.fields.M);
    connection.frames.length = 0;
    return connection;
  }

  send(data: Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with the first frame matching, waiting for it (rejects if the door closes first). */
  until(match: (frame: Frame) => boolean): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.frames.find(match);
        if (found) return resolve(found);
        if (this.socket.destroyed) return reject(new Error('the door closed the connection'));
        this.listeners.push(check);
      };
      this.socket.once('close', () => {
        const found = this.frames.find(match);
        if (found) resolve(found);
        else reject(new Error('the door closed the connection'));
      });
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private decode(): void {
    while (this.buffer.length >= 5) {
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < length + 1) return;
      const type = String.fromCharCode(this.buffer[0]!);
      const body = this.buffer.subarray(5, length + 1);
      this.buffer = this.buffer.subarray(length + 1);
      const fields: Record<string, string> = {};
      if (type === 'E' || type === 'N') {
        let at = 0;
        while (at < body.length && body[at] !== 0) {
          const end = body.indexOf(0, at + 1);
          fields[String.fromCharCode(body[at]!)] = body.toString('utf8', at + 1, end);
          at = end + 1;
        }
      }
      this.frames.push({ type, fields, body });
    }
  }
}
