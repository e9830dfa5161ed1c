/**
 * Keeps a process's catalog current: it polls the catalog version (one indexed row) and reloads
 * when another process (a file load, a console edit, SIGHUP elsewhere) changed it. Polling works
 * the same on PGlite and PostgreSQL and needs no listener connection.
 */
import type { Logger } from '../../core/logger.ts';
import type { Db } from '../../db/client.ts';
import { FiguresHolder } from '../reports/figures.ts';
import { type Catalog, loadCatalog } from './catalog.ts';
import { catalogVersion } from './sync.ts';
import { toAppError } from '../../core/errors.ts';

export class CatalogHolder {
  #current: Catalog;
  #timer: NodeJS.Timeout | null = null;
  #checking = false;
  readonly #db: Db;
  readonly #log: Logger;
  /** The app's copy of the computed behaviour figures; every catalog this holder loads points to it. */
  readonly figures = new FiguresHolder();

  private constructor(db: Db, log: Logger, first: Catalog) {
    this.#db = db;
    this.#log = log;
    this.#current = first;
    first.figures = this.figures;
  }

  static async open(db: Db, log: Logger): Promise<CatalogHolder> {
    return new CatalogHolder(db, log, await loadCatalog(db));
  }

  get current(): Catalog {
    return this.#current;
  }

  /** Reloads when the stored version moved; true when it did. */
  async refresh(): Promise<boolean> {
    if (this.#checking) return false;
    this.#checking = true;
    try {
      if ((await catalogVersion(this.#db)) === this.#current.version) return false;
      const next = await loadCatalog(this.#db);
      next.figures = this.figures;
      this.#current = next;
      this.#log.info({ version: this.#current.version }, 'catalog reloaded');
      return true;
    } finally {
      this.#checking = false;
    }
  }

  watch(pollMs: number): void {
    this.#timer = setInterval(() => {
      this.refresh().catch((err) => this.#log.warn({ err: toAppError(err).message }, 'catalog check failed; keeping the current one'));
    }, pollMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
