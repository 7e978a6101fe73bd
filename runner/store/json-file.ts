import { appendFile } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataFile, TextFile } from 'lowdb/node';
import { AppError } from '../errors.ts';

/**
 * One JSON document per file through lowdb's DataFile, which writes with steno: a temp file then
 * a rename, so a crash leaves either the old or the new document, never a torn one. Callers
 * serialise writes to one path (see KeyedLock); the temp name is per path.
 */
const format = { parse: JSON.parse, stringify: (value: unknown) => JSON.stringify(value) };

export async function readJson<T>(path: string, what: string): Promise<T | undefined> {
  let data: T | null;
  try {
    data = await new DataFile<T>(path, format).read();
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new AppError('corrupt_record', 500, `${what} is corrupt and cannot be read: ${error.message}`, {
        file: basename(path),
      });
    }
    throw storeError('read', what, error);
  }
  return data ?? undefined;
}

export function writeJson(path: string, value: unknown, what: string): Promise<void> {
  return writeText(path, JSON.stringify(value), what);
}

export async function writeText(path: string, text: string, what: string): Promise<void> {
  try {
    const file = new TextFile(path);
    // The folder exists on every write but the first: create it only when missing.
    await file.write(text).catch(async (error: NodeJS.ErrnoException) => {
      if (error?.code !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true });
      await file.write(text);
    });
  } catch (error) {
    // The rename never happened, so the stored document is intact; only the temp file may be left.
    await rm(join(dirname(path), `.${basename(path)}.tmp`), { force: true }).catch(() => undefined);
    throw storeError('write', what, error);
  }
}

export function storeError(op: 'read' | 'write' | 'delete', what: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const reason =
    code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'EACCES' || code === 'EPERM'
        ? 'the data directory is not writable'
        : code === 'EROFS'
          ? 'the file system is read-only'
          : code === 'EDQUOT'
            ? 'the disk quota is exceeded'
            : ((error as Error)?.message ?? String(error));
  return new AppError(
    'store_unavailable',
    503,
    `could not ${op} ${what}: ${reason}`,
    code ? { errno: code } : undefined,
  );
}

/**
 * Appends text, creating the folder when missing. The callback form: the promise API opens a
 * FileHandle object per call, which costs more than the write itself for short lines.
 */
export async function appendText(path: string, text: string): Promise<void> {
  try {
    await append(path, text);
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await append(path, text);
  }
}

function append(path: string, text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    appendFile(path, text, 'utf8', (error) => (error ? reject(error) : resolve())),
  );
}
