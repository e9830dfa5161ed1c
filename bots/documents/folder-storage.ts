/** Documents as files in one folder (DATA_DIR/documents): the embedded default. */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../core/errors.ts';
import { type DocumentStorage, type ListedObject, STORAGE_KEY, type StoredObject } from './storage.ts';

export class FolderStorage implements DocumentStorage {
  readonly kind = 'folder' as const;

  constructor(private readonly root: string) {}

  private path(key: string): string {
    if (!STORAGE_KEY.test(key)) throw new AppError('BAD_REQUEST', 'invalid storage key');
    return join(this.root, key);
  }

  async put(key: string, body: Buffer, _opts?: { contentType: string }): Promise<void> {
    const path = this.path(key);
    await mkdir(this.root, { recursive: true });
    // Write then rename: a reader never sees half a file, and a crash leaves only a temp file.
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, body);
    await rename(temp, path);
  }

  async get(key: string): Promise<StoredObject> {
    const path = this.path(key);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('NOT_FOUND', 'no such document file');
      throw err;
    }
    return { stream: createReadStream(path), size };
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  // A put's temp file is listed too: one left by a crash is as much an orphan as its object.
  async *list(prefix: string): AsyncIterable<ListedObject> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const key of names) {
      if (!key.startsWith(prefix) || !STORAGE_KEY.test(key)) continue;
      try {
        yield { key, modifiedAt: (await stat(join(this.root, key))).mtime };
      } catch (err) {
        // Deleted since the folder was read.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
}
