/**
 * Whether a message asks something the other side should answer: a question mark, a question
 * particle at the end, an interrogative word, or (English) a sentence that opens like a question.
 * Deliberately plain: it only starts the "unanswered for 2 working hours" window, which any reply
 * from the rep closes, and picks the messages whose topics (./topics.ts) coaching answers.
 * Every pattern is linear in the text's length (no nested quantifiers).
 */
const ZH_QUESTION =
  /[?？]|[吗嘛呢么][。！!~～\s]*$|(能不能|可不可以|是不是|有没有|多少钱|多久|什么时候|怎么|如何|哪些|哪个|哪里|哪儿|哪家|为什么|能否|可否|是否(?:可以|能|支持|有|需要))/;
// Openings: a wh-word, or an auxiliary followed by its subject ("can you", "is there"), at the
// start or after a sentence end. A bare auxiliary is not enough: "Will do." asks nothing.
const EN_QUESTION =
  /\?|(?:^|[.!;]\s+)(?:(?:how|what|when|where|why|which|who)\b|(?:can|could|would|will|do|does|did|is|are|should|shall|may|have|has)\s+(?:you|we|i|it|they|there|this|that|these|those|your|our|the|someone|anyone)\b)/i;
const CJK = /[\u4e00-\u9fff]/;

export function isQuestion(text: string): boolean {
  const t = text.trim();
  if (t.length === 0) return false;
  return CJK.test(t) ? ZH_QUESTION.test(t) : EN_QUESTION.test(t);
}
