import { closeSync, fstatSync, fsync, openSync, statSync } from 'node:fs';

/**
 * Syncs a WAL-mode database's log file to disk without SQLite's locks. A commit made with
 * `synchronous = NORMAL` is complete in the WAL file but may sit in the operating system's cache;
 * fsync of that file (any descriptor of it: the sync is of the file, not of the descriptor) makes
 * it as durable as a `FULL` commit, which would have done the same fsync while still holding the
 * write lock. A sync covers every commit that returned before it began.
 *
 * The sync runs on libuv's thread pool: the thread that commits goes on committing meanwhile,
 * so that a read's commit never waits behind another request's disk sync.
 *
 * The WAL file is only replaced when every connection closed; the descriptor is reopened if the
 * file at the path is no longer the one it names.
 */
export function walSyncer(databasePath: string): () => Promise<void> {
  const path = `${databasePath}-wal`;
  let fd: number | undefined;
  let inode = -1;
  const descriptor = (): number | undefined => {
    let current: number;
    try {
      current = statSync(path).ino;
    } catch (error) {
      // No WAL file: nothing was written since the last connection closed, so nothing to sync.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (fd === undefined || current !== inode) {
      if (fd !== undefined) closeSync(fd);
      fd = openSync(path, 'r');
      inode = fstatSync(fd).ino;
    }
    return fd;
  };
  return () =>
    new Promise<void>((resolve, reject) => {
      const open = descriptor();
      if (open === undefined) return resolve();
      fsync(open, (error) => (error ? reject(error) : resolve()));
    });
}
