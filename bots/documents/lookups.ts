/**
 * What the beacon path reads on every request, kept in this process: documents (their bytes,
 * pages and salt never change; only page titles can, and the admin's edit drops the entry here
 * while other processes see it within a minute) and which link a token hash is (a link's
 * document, chat and deal never change). A link's state is never cached: the beacon's write
 * checks it in the same statement, so a revoked link stops at once.
 */
import type { Db } from '../../db/client.ts';
import { documentById, linkOnlyByTokenHash, type DocumentLinkRow, type DocumentRow } from '../../db/queries/documents.ts';

/** The facts of a link that never change. */
export type LinkRef = Pick<DocumentLinkRow, 'id' | 'documentId' | 'conversationId' | 'opportunityId'>;

class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    if (hit) this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    // A Map keeps insertion order: the first key is the oldest entry.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.delete(key);
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

export class DocumentLookups {
  private readonly documents = new TtlCache<DocumentRow>(60_000, 1000);
  private readonly links = new TtlCache<LinkRef>(10 * 60_000, 20_000);

  constructor(private readonly db: Db) {}

  async document(id: string): Promise<DocumentRow | null> {
    const hit = this.documents.get(id);
    if (hit) return hit;
    const doc = await documentById(this.db, id);
    if (doc) this.documents.set(id, doc);
    return doc;
  }

  /** The link a token hash names (in any state), or null; only links that exist are kept. */
  async linkRef(tokenHash: string): Promise<LinkRef | null> {
    const hit = this.links.get(tokenHash);
    if (hit) return hit;
    const link = await linkOnlyByTokenHash(this.db, tokenHash);
    if (!link) return null;
    const ref = { id: link.id, documentId: link.documentId, conversationId: link.conversationId, opportunityId: link.opportunityId };
    this.links.set(tokenHash, ref);
    return ref;
  }

  forgetDocument(id: string): void {
    this.documents.delete(id);
  }
}
