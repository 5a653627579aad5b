import type { Readable } from 'node:stream';

/**
 * The data of each `message` event of a server-sent event stream, as the SDK's client reads
 * one (an event with no type is a message; comments, ids and retry hints are skipped). Lines
 * may end in CRLF, LF or CR; a stream that ends mid-event drops that event, as the format says.
 */
export async function* readEvents(body: Readable): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  let data: string[] = [];
  let type = '';
  const line = (text: string): string | undefined => {
    if (text === '') {
      const event = data.length > 0 && (type === '' || type === 'message') ? data.join('\n') : undefined;
      data = [];
      type = '';
      return event;
    }
    if (text.startsWith(':')) return undefined;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') type = value;
    return undefined;
  };
  for await (const chunk of body) {
    pending += decoder.decode(chunk as Buffer, { stream: true });
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const c = pending.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (c === 13 && i === pending.length - 1) break;
      const event = line(pending.slice(start, i));
      if (c === 13 && pending.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
      if (event !== undefined) yield event;
    }
    pending = pending.slice(start);
  }
  // A CR held back for a LF that never came ended its line after all.
  if (pending.endsWith('\r')) {
    const event = line(pending.slice(0, -1));
    if (event !== undefined) yield event;
  }
}
