import type { OperationClass } from '../../core/operation.js';

/**
 * Writing over a file: `> file`, `cp`, `ln -f`, `install`, `tee`, `sed -i`, `tar -cf`. Inside the
 * workspace or a scratch folder it is the agent's work; elsewhere it replaces or empties a file
 * someone else relies on (`> /var/lib/app/important.db`); on a block device it destroys a disk.
 */

/** Files that take any write without harm. */
export const HARMLESS_TARGETS: ReadonlySet<string> = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty', '/dev/fd/1', '/dev/fd/2', '/dev/zero']);

const BLOCK_DEVICE = /^\/dev\/(sd|hd|vd|xvd|nvme|disk|rdisk|mmcblk|mapper\/|md|loop|dm-|sr|nbd|rbd|zram|fd\d|block\/|mtd|ubi|bcache|dasd)/;

export function isBlockDevice(path: string): boolean {
  return BLOCK_DEVICE.test(path);
}

export type Where = 'inside' | 'workspace-root' | 'outside';

/** The class of writing over `path`, which lies `where` (see files.ts's placeOf). */
export function overwriteClass(path: string, where: Where, appending = false): { class: OperationClass; why: string } {
  if (HARMLESS_TARGETS.has(path)) return { class: 'read', why: `writes to ${path}, which keeps nothing` };
  if (isBlockDevice(path)) return { class: 'destructive', why: `writes straight to the block device ${path}` };
  if (path.startsWith('/dev/') || path.startsWith('/proc/') || path.startsWith('/sys/'))
    return { class: 'destructive', why: `writes to ${path}, which changes the running system` };
  if (where !== 'outside') return { class: 'write', why: `writes ${path}` };
  if (appending) return { class: 'write', why: `appends to ${path}, outside the workspace` };
  return { class: 'destructive', why: `replaces or empties ${path}, outside the workspace` };
}
