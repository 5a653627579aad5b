import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readEvents } from './sse.js';

async function eventsOf(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const data of readEvents(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(data);
  return out;
}

describe('readEvents', () => {
  it('gives the data of message events, whatever the line endings and however the stream is cut', async () => {
    const text = 'event: message\nid: 1\ndata: {"a":1}\n\n: a comment\r\ndata: two\r\ndata: lines\r\n\r\nretry: 5\rdata:{"c":3}\r\r';
    const whole = await eventsOf([text]);
    expect(whole).toEqual(['{"a":1}', 'two\nlines', '{"c":3}']);
    // Cut after every character: a CRLF split in two is still one line ending.
    expect(await eventsOf([...text])).toEqual(whole);
  });

  it('skips events of other types, and an event the stream ends in the middle of', async () => {
    expect(await eventsOf(['event: ping\ndata: x\n\ndata: kept\n\ndata: cut off'])).toEqual(['kept']);
    // One line ending is not the empty line that ends an event, whichever it is.
    expect(await eventsOf(['data: kept\n\ndata: cut off\n'])).toEqual(['kept']);
    expect(await eventsOf(['data: kept\r\rdata: cut off\r'])).toEqual(['kept']);
  });
});
