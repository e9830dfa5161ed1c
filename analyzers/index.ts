/**
 * The analyzer the loop calls: `analyze(input)` gives the key actions of one chat message
 * (ACTIONS.md) from the trained classifier in ./classifier over the rules in ./rules. The model
 * files (./model/model.json and model.bin, written by `npm run train`) are loaded once, when this
 * module is imported; a missing or corrupt file fails the import with a ModelError saying what to do.
 */
import { fileURLToPath } from 'node:url';
import type { AnalyzerInput, DetectedAction } from '../core/types.ts';
import { loadModel } from './classifier/model.ts';
import { ActionClassifier } from './classifier/predict.ts';

export { analyzeRules } from './analyze.ts';
export { analyzeMessage } from './message.ts';
export { ModelError, loadModel } from './classifier/model.ts';
export { ActionClassifier } from './classifier/predict.ts';

/** Where the committed model lives. */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('./model/model.json', import.meta.url));

/** A classifier over the model file at `path` (a different model, e.g. one being evaluated). */
export function createAnalyzer(path: string): (input: AnalyzerInput) => DetectedAction[] {
  const classifier = new ActionClassifier(loadModel(path));
  return (input) => classifier.classify(input);
}

const classifier = new ActionClassifier(loadModel(DEFAULT_MODEL_PATH));

/**
 * The key actions in one message, at most one per kind, in catalogue order, each with its
 * attributes (objection type, amount, material type, competitor) and a confidence that is a
 * calibrated probability: of the actions reported at 0.8, about 80% are right (reliability
 * tables and precision at thresholds in ./RESULTS.md). An action is reported from its own
 * threshold on that probability, so confidences start below 0.5 for some actions. Synchronous
 * and fast (about 20 microseconds); the role decides which actions are possible; any message,
 * however long, is read on a bounded window (./classifier/features.ts).
 */
export function analyze(input: AnalyzerInput): DetectedAction[] {
  return classifier.classify(input);
}

/**
 * `analyze`, plus the text it read, normalised (./text.ts `normalize` of the analysed window,
 * ./classifier/features.ts): what the loop's other readers of the message take, so the text is
 * normalised once.
 */
export function analyzeNormalised(input: AnalyzerInput): { actions: DetectedAction[]; text: string } {
  const actions = classifier.classify(input);
  return { actions, text: classifier.lastText };
}
