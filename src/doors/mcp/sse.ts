import type { Readable } from 'node:stream';
import { createParser } from 'eventsource-parser';

/**
 * The data of each `message` event of a server-sent event stream, read with the parser the
 * SDK's client reads one with (an event with no type is a message; comments, ids and retry
 * hints are skipped); a stream that ends mid-event drops that event, as the format says.
 */
export async function* readEvents(body: Readable): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let ready: string[] = [];
  const parser = createParser({
    onEvent(event) {
      if (event.event === undefined || event.event === 'message') ready.push(event.data);
    },
  });
  let last = '';
  for await (const chunk of body) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    if (text !== '') last = text;
    parser.feed(text);
    if (ready.length === 0) continue;
    const events = ready;
    ready = [];
    yield* events;
  }
  // The parser holds a final CR back as the possible first half of a CRLF; at the end it was a
  // line ending after all, and may have been the empty line that completes an event.
  if (last.endsWith('\r')) parser.feed('\n');
  yield* ready;
}
