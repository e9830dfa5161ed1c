/**
 * The reused buffer a message's features are written into: finished 32-bit hashes (./hash.ts),
 * text features first, plus what the message path needs again after scoring (the rule hits, the
 * normalised text, the rule language).
 */
import type { RuleHit } from '../rules/index.ts';
import { cross } from './hash.ts';

/** Feature hashes of one message. Reused across messages, so the hot path allocates little. */
export class FeatureBuffer {
  /** Finished 32-bit hashes; `[0, textEnd)` are text features, `[textEnd, count)` the rest. */
  hashes = new Int32Array(512);
  count = 0;
  textEnd = 0;
  /** The rule hits of the message, kept for the attributes of the actions (amount, type…). */
  hits: RuleHit[] = [];
  /** The normalised text the features came from. */
  text = '';
  /** The language the rules ran in. */
  lang: 'zh' | 'en' = 'zh';
  /** The word families seen in the message, each once (see `addFamily`). */
  families: number[] = [];

  reset(): void {
    this.count = 0;
    this.textEnd = 0;
    this.hits = [];
    this.families.length = 0;
  }

  /** Notes a word family the message holds (for the family-pair features). */
  addFamily(f: number): void {
    if (!this.families.includes(f)) this.families.push(f);
  }

  push(h: number): void {
    if (this.count === this.hashes.length) {
      const bigger = new Int32Array(this.hashes.length * 2);
      bigger.set(this.hashes);
      this.hashes = bigger;
    }
    this.hashes[this.count++] = h;
  }

  /** A feature and its role-crossed twin. */
  pushBoth(h: number, salt: number): void {
    this.push(h);
    this.push(cross(h, salt));
  }
}
