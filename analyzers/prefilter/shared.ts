/**
 * One literal index (./literal-index.ts) over the patterns of every module that reads a message
 * (the rules, the topics, the classifier's flags), so the loop scans a message for required
 * literals once, however many modules ask. Each module registers its patterns at load and gets a
 * view numbered from 0.
 */
import { literalsOf } from './derived.ts';
import { LiteralIndex } from './literal-index.ts';

/** A module's view of the shared index. */
export interface LiteralView {
  /** Scans `text`, unless it was the last text scanned. */
  scan(text: string): void;
  /**
   * Whether the module's pattern `i` can match the last scanned text. Scan first, and query
   * before anything else scans another text.
   */
  candidate(i: number): boolean;
}

/** Patterns registered by several modules, indexed together. */
export class LiteralRegistry {
  private readonly all: RegExp[] = [];
  private index: LiteralIndex | null = null;
  private last: string | null = null;

  /** Every registered pattern, in order. */
  get patterns(): readonly RegExp[] {
    return this.all;
  }

  /** Registers `res` (their order is the view's numbering). */
  view(res: readonly RegExp[]): LiteralView {
    const offset = this.all.length;
    this.all.push(...res);
    this.index = null;
    return {
      scan: (text) => {
        const index = this.current();
        if (text === this.last) return;
        index.scan(text);
        this.last = text;
      },
      candidate: (i) => this.current().candidate(offset + i),
    };
  }

  private current(): LiteralIndex {
    // Built on first use, once every module has registered (a late one rebuilds it).
    if (this.index === null) {
      this.index = new LiteralIndex(this.all.map(literalsOf));
      this.last = null;
    }
    return this.index;
  }
}

/** The message path's registry: every pattern in it is in ./literals.json (`npm run literals`). */
export const MESSAGE_LITERALS = new LiteralRegistry();

/** Registers a module's patterns with the message path's one scan. */
export function messageLiterals(res: readonly RegExp[]): LiteralView {
  return MESSAGE_LITERALS.view(res);
}
