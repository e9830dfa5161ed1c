/**
 * Whether a customer message asks something the rep should answer: a question mark, a question
 * particle at the end, or an interrogative opening. Deliberately plain: it only starts the
 * "unanswered for 2 working hours" window, which any reply from the rep closes.
 */
const ZH_QUESTION = /[?？]|[吗嘛呢么][。！!~～\s]*$|(能不能|可不可以|是不是|有没有|多少钱|多久|什么时候|怎么|如何|哪些|哪个|为什么)/;
const EN_QUESTION = /\?|^(how|what|when|where|why|which|who|can|could|would|will|do|does|did|is|are|should)\b/i;

export function isQuestion(text: string): boolean {
  const t = text.trim();
  if (t.length === 0) return false;
  return /[\u4e00-\u9fff]/.test(t) ? ZH_QUESTION.test(t) : EN_QUESTION.test(t);
}
