import type { Writable } from 'node:stream';

/**
 * Frames passed on as the upstream sent them, written as one view of the bytes read while they
 * lie next to each other there: a whole reply is then one write rather than one per frame.
 */
export class PassedFrames {
  private first: Buffer | undefined;
  private length = 0;

  constructor(private readonly client: Pick<Writable, 'write'>) {}

  add(frame: Buffer): void {
    const { first } = this;
    if (first && frame.buffer === first.buffer && frame.byteOffset === first.byteOffset + this.length) {
      this.length += frame.length;
      return;
    }
    this.flush();
    this.first = frame;
    this.length = frame.length;
  }

  flush(): void {
    const { first } = this;
    if (!first) return;
    this.client.write(this.length === first.length ? first : Buffer.from(first.buffer, first.byteOffset, this.length));
    this.first = undefined;
  }
}
