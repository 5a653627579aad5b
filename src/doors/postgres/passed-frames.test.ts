import { describe, expect, it } from 'vitest';
import { PassedFrames } from './passed-frames.js';

/** Bytes in an ArrayBuffer of their own (small Buffer.from strings share a pool). */
function bytes(text: string): Buffer {
  const buffer = Buffer.alloc(text.length);
  buffer.write(text);
  return buffer;
}

function collector() {
  const writes: Buffer[] = [];
  return { writes, client: { write: (chunk: Buffer) => writes.push(chunk) > 0 } };
}

describe('PassedFrames', () => {
  it('writes frames that lie next to each other in what was read as one chunk', () => {
    const read = bytes('T....D..C...Z.');
    const { writes, client } = collector();
    const passed = new PassedFrames(client);
    passed.add(read.subarray(0, 5));
    passed.add(read.subarray(5, 8));
    passed.add(read.subarray(8, 12));
    passed.add(read.subarray(12));
    expect(writes).toHaveLength(0);
    passed.flush();
    expect(writes.map(String)).toEqual(['T....D..C...Z.']);
  });

  it('starts a new write where frames are apart, and keeps their order', () => {
    const first = bytes('aabbcc');
    const second = bytes('ddee');
    const { writes, client } = collector();
    const passed = new PassedFrames(client);
    passed.add(first.subarray(0, 2));
    passed.add(first.subarray(4, 6));
    passed.add(second.subarray(0, 2));
    passed.add(second.subarray(2, 4));
    passed.flush();
    passed.flush();
    expect(writes.map(String)).toEqual(['aa', 'cc', 'ddee']);
  });
});
