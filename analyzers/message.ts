/** Placeholder until the single-pass analysis lands: actions, question and meeting time. */
import type { MessageAnalysis, MessageAnalysisInput } from '../core/types.ts';
import { analyze } from './index.ts';
import { parseMeetingTime } from './meeting-time.ts';
import { isQuestion } from './question.ts';

export function analyzeMessage(input: MessageAnalysisInput): MessageAnalysis {
  const empty = input.text.length === 0 && (input.attachments?.length ?? 0) === 0;
  return {
    actions: empty ? [] : analyze(input),
    question: input.role === 'customer' && isQuestion(input.text),
    topics: [],
    meetingAt: parseMeetingTime(input.text, input.sentAt, input.timeZone),
    commitment: null,
  };
}
