/**
 * A lock file guarding an embedded (PGlite) data directory: two processes opening the same
 * directory would silently lose writes, so the second one gets `STORE_ERR_DATA_DIR_LOCKED`.
 * The lock file `<dataDir>.lock` holds the owner's pid; a lock whose owner is gone is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreError } from './errors.js';

/** A held lock; `release()` removes the file (idempotent). */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/** Locks held by this process (a second open in the same process is refused too). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Takes the lock of `dataDir`, or throws `STORE_ERR_DATA_DIR_LOCKED`.
 *
 * @example
 * ```ts
 * const lock = lockDataDir('.data/pglite');
 * try { … } finally { lock.release(); }
 * ```
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = `${resolve(dataDir)}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  if (heldHere.has(path))
    throw new StoreError('STORE_ERR_DATA_DIR_LOCKED', { lockFile: path, pid: process.pid });
  if (!tryCreate(path)) {
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    } catch {
      // vanished meanwhile: retry below
    }
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
      throw new StoreError('STORE_ERR_DATA_DIR_LOCKED', { lockFile: path, pid: owner });
    }
    try {
      unlinkSync(path); // stale: its owner is gone
    } catch {
      // someone else removed it first
    }
    if (!tryCreate(path)) throw new StoreError('STORE_ERR_DATA_DIR_LOCKED', { lockFile: path });
  }
  heldHere.add(path);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      heldHere.delete(path);
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
