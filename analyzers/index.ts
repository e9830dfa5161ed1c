/** The analyzer the loop calls. */
export { analyzeRules as analyze } from './analyze.ts';
