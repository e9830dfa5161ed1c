import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { AnalyzerInput, DetectedAction, Platform } from '../../core/types.ts';
import type { WorkingHours } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import type { Playbook } from '../playbook/load.ts';

/** What the loop's steps need; built once by the app and shared by web and worker code. */
export interface LoopContext {
  db: Db;
  config: Config;
  log: Logger;
  clock: Clock;
  /** The current playbook; replaced on reload. */
  playbook(): Playbook;
  analyze(input: AnalyzerInput): DetectedAction[];
  /** Platforms that can send right now, in order of preference after the conversation's own. */
  sendPlatforms: readonly Platform[];
  workingHours: WorkingHours;
}
