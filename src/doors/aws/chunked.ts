/**
 * S3's `aws-chunked` body with an unsigned trailer (`x-amz-content-sha256:
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER`), which the AWS CLI and SDKs send for uploads over HTTPS:
 *
 *   <size in hex>\r\n<bytes>\r\n … 0\r\n<trailer>:<value>\r\n\r\n
 *
 * Airlock reads it into the plain body and the trailing checksum header, and forwards those:
 * what it sends is what it read. Signed chunks (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`) are not read.
 */
export const UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

export type Dechunked =
  | { readonly ok: true; readonly body: Buffer; readonly trailers: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly error: string };

export function dechunk(encoded: Buffer, decodedLength: number | undefined): Dechunked {
  const parts: Buffer[] = [];
  let at = 0;
  const lineEnd = (from: number) => {
    const end = encoded.indexOf('\r\n', from, 'latin1');
    return end < 0 ? undefined : end;
  };
  for (;;) {
    const end = lineEnd(at);
    if (end === undefined) return { ok: false, error: 'the aws-chunked body ends inside a chunk header' };
    const header = encoded.toString('latin1', at, end);
    if (!/^[0-9a-fA-F]{1,16}$/.test(header)) return { ok: false, error: 'an aws-chunked chunk header is not a plain size (signed chunks are not read)' };
    const size = Number.parseInt(header, 16);
    at = end + 2;
    if (size === 0) break;
    if (at + size + 2 > encoded.length || encoded.toString('latin1', at + size, at + size + 2) !== '\r\n')
      return { ok: false, error: 'an aws-chunked chunk is shorter than its size' };
    parts.push(encoded.subarray(at, at + size));
    at += size + 2;
  }
  const trailers = new Map<string, string>();
  for (;;) {
    const end = lineEnd(at);
    if (end === undefined) return { ok: false, error: 'the aws-chunked trailers do not end' };
    const line = encoded.toString('latin1', at, end);
    at = end + 2;
    if (line === '') break;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (colon < 1 || !/^x-amz-checksum-[a-z0-9]+$/.test(name) || trailers.has(name))
      return { ok: false, error: `the aws-chunked trailer ${line.slice(0, 40)} is not one checksum Airlock reads` };
    trailers.set(name, line.slice(colon + 1).trim());
  }
  if (at !== encoded.length) return { ok: false, error: 'the aws-chunked body goes on after its trailers' };
  const body = Buffer.concat(parts);
  if (decodedLength !== undefined && body.length !== decodedLength) return { ok: false, error: 'x-amz-decoded-content-length is not the length of the body' };
  return { ok: true, body, trailers };
}
