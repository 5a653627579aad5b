/**
 * The stored request of a hold as an operator reads it (`airlock hold show`, the console). Doors
 * keep bytes exactly as forwarded, in base64: an HTTP body, a PostgreSQL parameter. Bytes that are
 * UTF-8 text are shown as text; anything else stays base64, so nothing is lost or garbled.
 *
 * @example
 * readableRequest({ door: 'http', method: 'POST', body: 'eyJxdWVyeSI6Im11dGF0aW9uIHsgfSJ9' });
 * // '{ "door": "http", "method": "POST" }\n\nbody (22 bytes):\n{"query":"mutation { }"}'
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The text the base64 value encodes, or undefined when its bytes are not printable UTF-8. */
export function decodedText(value: string): string | undefined {
  if (!BASE64.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  // Control characters other than tab and line breaks mean binary that happens to decode.
  if (/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return undefined;
  return text;
}

interface Parameter {
  readonly format: number;
  readonly value: string;
}

function isParameter(value: unknown): value is Parameter {
  const v = value as Partial<Parameter> | null;
  return !!v && typeof v === 'object' && typeof v.format === 'number' && typeof v.value === 'string';
}

export function readableRequest(request: unknown): string {
  if (!request || typeof request !== 'object' || Array.isArray(request)) return JSON.stringify(request, null, 2);
  const { body, parameters, ...rest } = request as Record<string, unknown>;
  const shown: Record<string, unknown> = { ...rest };
  if (Array.isArray(parameters)) {
    // A text-format parameter (format 0) is the text PostgreSQL reads; binary stays base64.
    shown.parameters = parameters.map((p) => {
      if (!isParameter(p)) return p;
      const text = p.format === 0 ? decodedText(p.value) : undefined;
      return text === undefined ? p : { format: 'text', value: text };
    });
  }
  if (body === undefined) return JSON.stringify(shown, null, 2);
  const text = typeof body === 'string' ? decodedText(body) : undefined;
  if (text === undefined) return JSON.stringify({ ...shown, body }, null, 2);
  if (text === '') return JSON.stringify(shown, null, 2) + '\n\nbody: (empty)';
  return `${JSON.stringify(shown, null, 2)}\n\nbody (${Buffer.byteLength(text)} bytes):\n${text}`;
}
