import { Transform, type TransformCallback } from 'node:stream';

/**
 * Masks an upstream's credential wherever it shows up on the way back to the agent: an API that
 * echoes request headers, an error page that prints them. Each occurrence is replaced by as
 * many `*`, so the body keeps its length and its Content-Length stays true.
 */
const ASCII = /^[\x00-\x7f]*$/;

export class Redactor {
  private readonly needles: readonly Buffer[];
  private readonly forms: readonly string[];
  readonly longest: number;

  constructor(secrets: readonly string[]) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret.length === 0) continue;
      forms.add(secret);
      forms.add(encodeURIComponent(secret));
      forms.add(JSON.stringify(secret).slice(1, -1));
    }
    this.forms = [...forms];
    // Longest first, so that a form containing another is masked whole.
    this.needles = this.forms.map((form) => Buffer.from(form, 'utf8')).sort((a, b) => b.length - a.length);
    this.longest = this.needles[0]?.length ?? 0;
  }

  get active(): boolean {
    return this.needles.length > 0;
  }

  /** Masks in place; returns whether anything was found. */
  maskBuffer(buffer: Buffer): boolean {
    let found = false;
    for (const needle of this.needles) {
      let at = buffer.indexOf(needle);
      while (at >= 0) {
        buffer.fill(0x2a, at, at + needle.length);
        found = true;
        at = buffer.indexOf(needle, at + needle.length);
      }
    }
    return found;
  }

  maskString(text: string): string {
    if (!this.active) return text;
    // ASCII text (almost every header value) is its own UTF-8, so a form is in its bytes exactly
    // when it is in the string; checking the string first spares a buffer per header.
    if (ASCII.test(text) && !this.forms.some((form) => text.includes(form))) return text;
    const buffer = Buffer.from(text, 'utf8');
    return this.maskBuffer(buffer) ? buffer.toString('utf8') : text;
  }

  /** A stream that masks across chunk boundaries by holding back the last few bytes of each chunk. */
  stream(): Transform {
    const keep = Math.max(this.longest - 1, 0);
    let tail = Buffer.alloc(0);
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback: TransformCallback) => {
        const joined = tail.length > 0 ? Buffer.concat([tail, chunk]) : Buffer.from(chunk);
        this.maskBuffer(joined);
        const cut = Math.max(joined.length - keep, 0);
        tail = joined.subarray(cut);
        callback(null, cut > 0 ? joined.subarray(0, cut) : undefined);
      },
      flush: (callback: TransformCallback) => {
        this.maskBuffer(tail);
        callback(null, tail.length > 0 ? tail : undefined);
      },
    });
  }
}
