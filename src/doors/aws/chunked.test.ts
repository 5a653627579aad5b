import { describe, expect, it } from 'vitest';
import { dechunk } from './chunked.js';

const chunked = (text: string) => Buffer.from(text, 'latin1');

describe('reading an aws-chunked upload with an unsigned trailer', () => {
  it('gives the plain body and the trailing checksum', () => {
    const read = dechunk(chunked('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n'), 11);
    expect(read.ok && read.body.toString()).toBe('hello world');
    expect(read.ok && Object.fromEntries(read.trailers)).toEqual({ 'x-amz-checksum-crc32': 'DUoRhQ==' });
  });

  it.each([
    ['a signed chunk', '5;chunk-signature=abc\r\nhello\r\n0\r\n\r\n', 'not a plain size'],
    ['a chunk shorter than its size', '9\r\nhello\r\n0\r\n\r\n', 'shorter'],
    ['a trailer that is not a checksum', '5\r\nhello\r\n0\r\nx-amz-acl:public-read\r\n\r\n', 'not one checksum'],
    ['bytes after the trailers', '5\r\nhello\r\n0\r\n\r\nDELETE', 'goes on'],
    ['a decoded length that does not match', '5\r\nhello\r\n0\r\n\r\n', 'decoded-content-length'],
  ])('refuses %s', (_what, text, error) => {
    const read = dechunk(chunked(text), text.includes('DELETE') ? undefined : 4);
    expect(read.ok ? 'read' : read.error).toContain(error);
  });
});
