/**
 * The text fields of a `multipart/form-data` body (RFC 7578), read strictly: GraphQL uploads
 * (the multipart request spec) put the request in a field named `operations`, and anything
 * that two parsers could read differently (a field given twice, a name in a different case or
 * in RFC 5987 form, a transfer encoding) is refused rather than guessed at.
 */
export type MultipartFields =
  | { readonly ok: true; readonly fields: ReadonlyMap<string, string>; readonly files: readonly string[] }
  | { readonly ok: false; readonly error: string };

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** Reads the named text fields; every other part must be a file (it has a filename). */
export function readMultipartFields(body: Uint8Array, boundary: string, wanted: readonly string[]): MultipartFields {
  if (!/^[0-9A-Za-z'()+_,./:=? -]{1,70}$/.test(boundary) || boundary.endsWith(' ')) {
    return { ok: false, error: 'the multipart boundary is not valid' };
  }
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  if (!bytes.subarray(0, opening.length).equals(opening)) {
    return { ok: false, error: 'the multipart body does not start with its boundary' };
  }
  const wantedLower = new Map(wanted.map((name) => [name.toLowerCase(), name]));
  const fields = new Map<string, string>();
  const files: string[] = [];
  let at = opening.length;
  for (;;) {
    // After a delimiter: `--` closes the body, CRLF opens a part.
    if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) break;
    if (!bytes.subarray(at, at + 2).equals(CRLF)) return { ok: false, error: 'the multipart body is malformed after a boundary' };
    const headersStart = at + 2;
    const headersEnd = bytes.indexOf(HEADER_END, headersStart);
    if (headersEnd < 0) return { ok: false, error: 'a multipart part has no end to its headers' };
    const next = bytes.indexOf(delimiter, headersEnd + 4);
    if (next < 0) return { ok: false, error: 'the multipart body is not closed by its boundary' };
    const headers = bytes.subarray(headersStart, headersEnd).toString('latin1').split('\r\n');
    const part = readPartHeaders(headers);
    if (!part.ok) return part;
    const exact = wantedLower.get(part.name.toLowerCase());
    if (part.filename !== undefined) {
      if (exact !== undefined) return { ok: false, error: `the multipart field "${exact}" is sent as a file` };
      files.push(part.name);
    } else {
      if (exact !== undefined) {
        if (exact !== part.name) return { ok: false, error: `the multipart field "${part.name}" differs only in case from "${exact}"` };
        if (fields.has(exact)) return { ok: false, error: `the multipart field "${exact}" is given twice` };
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(headersEnd + 4, next));
        } catch {
          return { ok: false, error: `the multipart field "${exact}" is not UTF-8` };
        }
        fields.set(exact, text);
      }
    }
    at = next + delimiter.length;
  }
  return { ok: true, fields, files };
}

type PartHeaders = { ok: true; name: string; filename: string | undefined } | { ok: false; error: string };

function readPartHeaders(lines: readonly string[]): PartHeaders {
  let disposition: string | undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, error: 'a multipart part has a malformed header' };
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') {
      if (disposition !== undefined) return { ok: false, error: 'a multipart part has two Content-Disposition headers' };
      disposition = value;
    } else if (name === 'content-transfer-encoding') {
      return { ok: false, error: 'a multipart part has a Content-Transfer-Encoding, which form data does not use' };
    }
  }
  if (disposition === undefined) return { ok: false, error: 'a multipart part has no Content-Disposition' };
  const match = /^form-data\s*((?:;\s*[A-Za-z0-9*_-]+\s*=\s*(?:"(?:[^"\\\r\n]|\\.)*"|[^;\s"]+)\s*)*)$/i.exec(disposition);
  if (!match) return { ok: false, error: 'a multipart part has a Content-Disposition that is not form-data' };
  const params = new Map<string, string>();
  for (const param of match[1]!.matchAll(/;\s*([A-Za-z0-9*_-]+)\s*=\s*("(?:[^"\\\r\n]|\\.)*"|[^;\s"]+)/g)) {
    const key = param[1]!.toLowerCase();
    if (key.endsWith('*')) return { ok: false, error: 'a multipart part names itself in RFC 5987 form, which parsers read differently' };
    if (params.has(key)) return { ok: false, error: `a multipart part gives ${key} twice` };
    const raw = param[2]!;
    params.set(key, raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  const name = params.get('name');
  if (name === undefined) return { ok: false, error: 'a multipart part has no name' };
  return { ok: true, name, filename: params.get('filename') };
}
