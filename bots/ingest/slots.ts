/**
 * Conversations are spread over a fixed number of hash slots; analysis partitions are sets of
 * slots (slot mod partitions), each analysed by one consumer at a time: a conversation's
 * messages are analysed in order, by a single writer, without row-lock contention between
 * partitions. The slot is stored with the message, so the partition count can change freely.
 */
export const SLOTS = 64;

/** FNV-1a over the UTF-16 code units: stable across processes and versions. */
export function slotOf(conversationId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < conversationId.length; i++) {
    h ^= conversationId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SLOTS;
}

export const partitionOf = (slot: number, partitions: number): number => slot % partitions;

/** The slots a partition covers. */
export function slotsOf(partition: number, partitions: number): number[] {
  const out: number[] = [];
  for (let s = partition; s < SLOTS; s += partitions) out.push(s);
  return out;
}
