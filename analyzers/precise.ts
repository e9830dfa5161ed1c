/** Placeholder until the precise-signal detector lands: only an explicit `precise` closes on its own. */
import type { DetectedAction } from '../core/types.ts';

export const AUTO_CLOSE_CONFIDENCE = 1.01;

export function closesWithoutAsking(action: DetectedAction): boolean {
  return action.precise === true || action.confidence >= AUTO_CLOSE_CONFIDENCE;
}
