import { describe, expect, it } from 'vitest';
import { analyzeMessage, analyzeNormalised } from '../../analyzers/index.ts';
import { normalize } from '../../analyzers/text.ts';
import { findCommitment } from '../../analyzers/commitments.ts';
import { meetingTypeOf, parseMeetingTime } from '../../analyzers/meeting-time.ts';
import { SCAN_CHARS } from '../../analyzers/message.ts';
import { closesWithoutAsking, isPreciseClose } from '../../analyzers/precise.ts';
import { isQuestion } from '../../analyzers/question.ts';
import { detectTopics } from '../../analyzers/topics.ts';
import type { AnalyzerRole } from '../../core/types.ts';

const SH = 'Asia/Shanghai';
// Monday 2026-11-23 10:21 in Shanghai.
const sentAt = new Date('2026-11-23T10:21:00+08:00');
const run = (text: string, role: AnalyzerRole = 'customer') => analyzeMessage({ role, text, sentAt, timeZone: SH });
const day = (ymd: string) => new Date(`${ymd}T00:00:00+08:00`).toISOString();

/** The fastest of `n` runs of `f`, in milliseconds: the least disturbed by a busy neighbour. */
/**
 * The least CPU time of `n` runs, in ms: CPU, not wall-clock, time, so that a run the scheduler
 * set aside on a busy machine does not count the other processes' turns (at load 8 a wall-clock
 * ratio here once read 68 where the work's own is 10–20).
 */
function fastest(f: () => void, n: number): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const start = process.cpuUsage();
    f();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1_000);
  }
  return best;
}

describe('analyzeMessage: what users saw', () => {
  it('「对了，实施团队能驻场吗？」 is an implementation question that closes no deal', () => {
    const a = run('对了，实施团队能驻场吗？');
    expect(a.question).toBe(true);
    expect(a.topics).toEqual(['implementation']);
    expect(a.actions.some(closesWithoutAsking)).toBe(false);
  });

  it("a rep's 「明天上午我去您公司拜访一下？」 is never a demo", () => {
    const a = run('明天上午我去您公司拜访一下？', 'rep');
    expect(a.question).toBe(false);
    expect(a.actions.some((x) => x.meetingType === 'demo')).toBe(false);
    for (const x of a.actions) if (x.kind === 'meeting_scheduled') expect(x.meetingType).toBe('visit');
  });

  it('a booked demo carries its type and time', () => {
    const a = run('好的，那就周三下午两点线上演示吧', 'rep');
    const meeting = a.actions.find((x) => x.kind === 'meeting_scheduled');
    expect(meeting?.meetingType).toBe('demo');
    expect(a.meetingAt?.toISOString()).toBe(new Date('2026-11-25T14:00:00+08:00').toISOString());
  });

  it.each([
    ['你们数据存在哪里？要过等保吗？', 'security'],
    ['能打个八折吗', 'discount'],
    ['法务对合同条款有几处红线要改', 'legal'],
    ['董事长想跟你们老板见个面', 'executive'],
  ])('%s → question about %s', (text, topic) => {
    const a = run(text);
    expect(a.topics).toContain(topic);
  });

  it.each([
    ['1月8号再聊', '2027-01-08'],
    ['院长周四开会', '2026-11-26'],
    ['下周一给您答复', '2026-11-30'],
  ])('%s → a commitment on %s', (text, ymd) => {
    const c = run(text).commitment;
    expect(c?.at.toISOString()).toBe(day(ymd));
    expect(c?.allDay).toBe(true);
    expect(c?.phrase).toBe(text);
  });

  it("「院长这周四开办公会」 in a longer message commits to Thursday (the demo's 华东医疗)", () => {
    const c = run('收到。院长这周四开办公会，会上一起讨论预算的事。').commitment;
    expect(c?.at.toISOString()).toBe(day('2026-11-26'));
    expect(c?.phrase).toBe('院长这周四开办公会');
  });

  it('an internal meeting is a commitment, not a meeting time', () => {
    const a = run('院长周四开会');
    expect(a.meetingAt).toBeNull();
    expect(a.commitment).not.toBeNull();
  });

  it('a precise close is marked, and closes without asking', () => {
    const a = run('合同已盖章寄回，请查收');
    const wonAction = a.actions.find((x) => x.kind === 'deal_won');
    expect(wonAction?.precise).toBe(true);
    expect(wonAction && closesWithoutAsking(wonAction)).toBe(true);
  });

  it('a question about a close is not precise', () => {
    for (const x of run('合同盖章了吗？').actions) {
      if (x.kind === 'deal_won' || x.kind === 'deal_lost') expect(x.precise).toBe(false);
    }
  });
});

describe('analyzeMessage: the parts agree with the functions they come from', () => {
  it('question is only ever true for a customer', () => {
    expect(run('什么时候能上线？').question).toBe(true);
    expect(run('什么时候能上线？', 'rep').question).toBe(false);
  });

  it('reads attachments and language through to the classifier', () => {
    const a = analyzeMessage({ role: 'rep', text: '见附件', attachments: [{ name: '报价单_v2.pdf' }], sentAt, timeZone: SH });
    expect(a.actions.map((x) => x.kind)).toContain('quote_sent');
  });

  it('an empty message is empty', () => {
    expect(run('')).toEqual({ actions: [], question: false, topics: [], meetingAt: null, meeting: null, commitment: null });
  });

  it('remembers a proposed meeting with its kind even before anyone accepts it', () => {
    const proposed = run('讲不如看，周三下午两点给您线上演示一下，您看方便吗？');
    expect(proposed.meeting?.type).toBe('demo');
    expect(proposed.meeting?.at.getTime()).toBeGreaterThan(0);
    // An internal meeting of the customer is not a meeting with us.
    expect(run('院长周四开会').meeting).toBeNull();
  });

  it('reads the text the classifier normalised: full-width marks and capitals fold as before', () => {
    const text = 'ＥＲＰ能对接吗？周四下午３点给您演示，我们用ＳＡＰ';
    expect(analyzeNormalised({ role: 'customer', text }).text).toBe(normalize(text));
    const m = run(text);
    expect(m.question).toBe(true);
    expect(m.topics).toContain('integration');
    expect(m.meeting?.type).toBe('demo');
  });

  it('reads only the first SCAN_CHARS characters', () => {
    const filler = '好的'.repeat(SCAN_CHARS);
    expect(run(`能打个八折吗？${filler}`).topics).toEqual(['discount']);
    expect(run(`${filler}能打个八折吗？`).topics).toEqual([]);
  });
});

describe('analyzeMessage: bounded work on huge input', () => {
  const unit = '王总您好，报价单已经发您了，这套是12.8万，下周三下午两点线上演示可以吗？我们数据存在哪里？';

  it('a 200,000-character message costs a small multiple of a 470-character one', () => {
    const short = unit.repeat(10);
    const huge = unit.repeat(Math.ceil(200_000 / unit.length)).slice(0, 200_000);
    const shortMs = fastest(() => run(short), 30);
    const hugeMs = fastest(() => run(huge), 3);
    // The window makes it about 15×; unbounded linear work would be over 400×, and the
    // classifier's segmenter alone takes minutes on the whole text.
    expect(hugeMs / shortMs).toBeLessThan(150);
  });

  // Each part on its own has no window: it must be linear. 200k against 20k characters of
  // patterns built to make backtracking regexes blow up.
  const adversarial: Record<string, string> = {
    realistic: unit.repeat(5_000),
    spaces: `a${' '.repeat(199_998)}b`,
    particles: '吗 '.repeat(100_000),
    days: '周四,'.repeat(66_667),
    verbs: '再聊周四'.repeat(50_000),
    english: 'we went with another '.repeat(10_000),
    contract: '合同已'.repeat(66_667),
  };
  const parts: Record<string, (text: string) => unknown> = {
    detectTopics,
    findCommitment: (t) => findCommitment(t, sentAt, SH),
    isQuestion,
    isPreciseClose: (t) => [isPreciseClose('deal_won', t, 'customer'), isPreciseClose('deal_lost', t, 'rep')],
    meetingTypeOf,
    parseMeetingTime: (t) => parseMeetingTime(t, sentAt, SH),
  };

  it.each(Object.keys(parts))('%s is linear in the text length', (name) => {
    const f = parts[name] as (text: string) => unknown;
    for (const text of Object.values(adversarial)) {
      const big = text.slice(0, 200_000);
      const small = big.slice(0, 20_000);
      // Ten times the text is 10–20× the time (the big text no longer fits the CPU caches); a
      // quadratic part would be 100×. The floor keeps a pause on a 0.01 ms run from counting.
      const smallMs = Math.max(
        fastest(() => f(small), 5),
        0.2,
      );
      const bigMs = fastest(() => f(big), 3);
      expect(bigMs / smallMs).toBeLessThan(60);
    }
  });
});
