/**
 * The one analysis the loop runs per message: key actions (the classifier of ./index.ts), whether
 * the customer asked something, the topics, a stated meeting time, a day committed to, the kind
 * of a booked meeting and whether a close is stated beyond doubt.
 *
 * Bounded work: only the first SCAN_CHARS characters of a message are read, by every part,
 * the classifier included. Chat messages are far shorter (ingest rejects text over
 * MAX_TEXT_LENGTH, 8,000 by default); a pasted document beyond the window says nothing the
 * coach acts on, and `Intl.Segmenter`, which the classifier uses, slows down worse than
 * linearly on very long text (a 200k-character message takes minutes), so the window is what
 * keeps one message's cost bounded whatever arrives.
 */
import type { MessageAnalysis, MessageAnalysisInput } from '../core/types.ts';
import { HEAD_CHARS, TAIL_CHARS } from './classifier/features.ts';
import { findCommitment } from './commitments.ts';
import { analyzeNormalised } from './index.ts';
import { meetingTypeOf, parseMeetingTime } from './meeting-time.ts';
import { markPrecise } from './precise.ts';
import { isQuestion } from './question.ts';
import { detectTopics } from './topics.ts';

/** Words that name a meeting's kind (cheap pre-check before parsing a time). */
const MEETING_WORD = /演示|展示|demo|拜访|上门|来公司|去您|visit|onsite|电话|语音|视频会|call/i;

/** How many characters of a message are analysed. */
export const SCAN_CHARS = 4_000;
// Within it the classifier reads every character, so the text it normalised is the window's.
if (SCAN_CHARS > HEAD_CHARS + TAIL_CHARS) throw new Error('SCAN_CHARS must fit the classifier window');

/**
 * Everything the loop needs from one message. `meetingAt` is the time parseMeetingTime reads,
 * and only when the classifier found meeting_scheduled (a meeting with the other party: an
 * internal 「院长周四开会」 is a commitment, not a meeting). `question` is only ever true for a
 * customer. The text is normalised once, by the classifier, for every concern.
 */
export function analyzeMessage(input: MessageAnalysisInput): MessageAnalysis {
  const long = input.text.length > SCAN_CHARS;
  const raw = long ? input.text.slice(0, SCAN_CHARS) : input.text;
  // The window fits the classifier's, so the text it read is `normalize(raw)`.
  const { actions, text } = analyzeNormalised(long ? { ...input, text: raw } : input);

  let meetingAt: Date | null = null;
  let competitor = false;
  for (const a of actions) {
    if (a.kind === 'competitor_mentioned') competitor = true;
    if (a.kind !== 'meeting_scheduled') continue;
    a.meetingType = meetingTypeOf(text);
    meetingAt = parseMeetingTime(text, input.sentAt, input.timeZone);
  }
  // A meeting proposed with its kind named (a demo, a visit, a call) is remembered by the deal even
  // before anyone accepts it; a plain 「周四开会」 is not a meeting with us.
  let meeting: MessageAnalysis['meeting'] = null;
  const type = meetingAt ? meetingTypeOf(text) : MEETING_WORD.test(text) ? meetingTypeOf(text) : 'meeting';
  const at = meetingAt ?? (type !== 'meeting' ? parseMeetingTime(text, input.sentAt, input.timeZone) : null);
  if (at) meeting = { at, type };
  markPrecise(actions, text, input.role);

  return {
    actions,
    question: input.role === 'customer' && isQuestion(text),
    topics: detectTopics(text, competitor),
    meetingAt,
    meeting,
    commitment: findCommitment(text, input.sentAt, input.timeZone, raw),
  };
}
