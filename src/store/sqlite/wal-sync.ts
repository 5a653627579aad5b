import { closeSync, fstatSync, fsyncSync, openSync, statSync } from 'node:fs';

/**
 * Syncs a WAL-mode database's log file to disk without SQLite's locks. A commit made with
 * `synchronous = NORMAL` is complete in the WAL file but may sit in the operating system's cache;
 * fsync of that file (any descriptor of it: the sync is of the file, not of the descriptor) makes
 * it as durable as a `FULL` commit, which would have done the same fsync while still holding the
 * write lock. Call it after the commit returned, on the thread that may block.
 *
 * The WAL file is only replaced when every connection closed; the descriptor is reopened if the
 * file at the path is no longer the one it names.
 */
export function walSyncer(databasePath: string): () => void {
  const path = `${databasePath}-wal`;
  let fd: number | undefined;
  let inode = -1;
  return () => {
    let current: number;
    try {
      current = statSync(path).ino;
    } catch (error) {
      // No WAL file: nothing was written since the last connection closed, so nothing to sync.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (fd === undefined || current !== inode) {
      if (fd !== undefined) closeSync(fd);
      fd = openSync(path, 'r');
      inode = fstatSync(fd).ino;
    }
    fsyncSync(fd);
  };
}
