/**
 * Documents by id for the beacon path, kept a minute in this process. A document's bytes, pages
 * and salt never change; only its page titles can (the admin's edit drops the entry here, and
 * other processes see it within a minute). Links are never cached: a revoked link stops at once.
 */
import type { Db } from '../../db/client.ts';
import { documentById, type DocumentRow } from '../../db/queries/documents.ts';

const TTL_MS = 60_000;
const MAX_ENTRIES = 1000;

export class DocumentCache {
  private readonly entries = new Map<string, { doc: DocumentRow; until: number }>();

  constructor(private readonly db: Db) {}

  async get(id: string): Promise<DocumentRow | null> {
    const now = Date.now();
    const hit = this.entries.get(id);
    if (hit && hit.until > now) return hit.doc;
    const doc = await documentById(this.db, id);
    if (!doc) return null;
    // Map keeps insertion order: the first key is the oldest entry.
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.delete(id);
    this.entries.set(id, { doc, until: now + TTL_MS });
    return doc;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}
