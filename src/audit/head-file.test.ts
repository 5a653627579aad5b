import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { headFileOnThread, type HeadFile } from './head-file.js';

let dir: string | undefined;
let file: HeadFile | undefined;
afterEach(async () => {
  await file?.close();
  file = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const head = (seq: number) => ({ seq, hash: seq.toString(16).padStart(64, '0'), at: new Date().toISOString() });
const seqIn = (path: string) => {
  const read = readCheckpoint(path, 'k');
  return read.kind === 'ok' ? read.checkpoint.seq : undefined;
};

describe('the head file written on a thread of its own', () => {
  it('answers each head once the file names it or a later one, however many are asked for at once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-head-'));
    const path = join(dir, 'audit.head');
    file = headFileOnThread(path, 'k');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        file!.advance(head(i + 1)).then(() => {
          expect(seqIn(path)).toBeGreaterThanOrEqual(i + 1);
        }),
      ),
    );
    expect(readCheckpoint(path, 'k')).toMatchObject({ kind: 'ok', checkpoint: { seq: 50, hash: head(50).hash } });
  });

  it('never moves the head back past one another process wrote', async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-head-'));
    const path = join(dir, 'audit.head');
    writeCheckpoint(path, head(100), 'k', new Date().toISOString());
    file = headFileOnThread(path, 'k');
    await file.advance(head(60));
    expect(seqIn(path)).toBe(100);
  });

  it('refuses a head it could not write, and writes the next once it can', async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-head-'));
    // The head's folder cannot be made: a file stands where it should be.
    const blocker = join(dir, 'heads');
    writeFileSync(blocker, '');
    const path = join(blocker, 'audit.head');
    file = headFileOnThread(path, 'k');
    await expect(file.advance(head(1))).rejects.toThrow(/the audit head file could not be written/);
    rmSync(blocker);
    await file.advance(head(2));
    expect(seqIn(path)).toBe(2);
  });
});
