import { describe, expect, it } from 'vitest';
import { addReading, describeSignal, EMPTY_SNAPSHOT, formatDuration, readingSignals, type ReadingSnapshot } from '../../bots/documents/signals.ts';

const titles = ['封面', '公司介绍', '客户痛点', '方案概述', '实施计划', '成功案例', '价格', '服务与支持', '合同条款'];
const proposal = { kind: 'proposal' as const };
const snap = (opens: number, readers: number, p7?: { seconds: number; visits: number }): ReadingSnapshot => ({
  opens,
  readers,
  pages: p7 ? [{ page: 7, ...p7 }] : [],
});

describe('reading signals', () => {
  it('fire once when the price page is visited a third time', () => {
    const second = snap(2, 1, { seconds: 40, visits: 2 });
    const third = addReading(second, [{ page: 7, seconds: 10, visits: 1 }]);
    expect(readingSignals(second, third, titles, proposal)).toEqual([
      { kind: 'price_page_reread', page: 7, label: '第7页 · 价格', visits: 3, seconds: 50, opens: 2 },
    ]);
    // Already past the line: no second signal for a fourth visit.
    const fourth = addReading(third, [{ page: 7, seconds: 10, visits: 1 }]);
    expect(readingSignals(third, fourth, titles, proposal)).toEqual([]);
  });

  it('fire once when the price page passes two minutes in all', () => {
    const before = snap(1, 1, { seconds: 115, visits: 1 });
    const after = addReading(before, [{ page: 7, seconds: 15, visits: 0 }]);
    expect(readingSignals(before, after, titles, proposal).map((s) => s.kind)).toEqual(['price_page_dwell']);
    expect(readingSignals(after, addReading(after, [{ page: 7, seconds: 15, visits: 0 }]), titles, proposal)).toEqual([]);
  });

  it('say nothing for other pages, or for a document without a price page', () => {
    const before = snap(1, 1);
    const after = addReading(before, [{ page: 3, seconds: 300, visits: 5 }]);
    expect(readingSignals(before, after, titles, proposal)).toEqual([]);
    const p7 = addReading(before, [{ page: 7, seconds: 300, visits: 5 }]);
    expect(readingSignals(before, p7, ['封面', null, '', '案例'], proposal)).toEqual([]);
  });

  it('see a new reader of a proposal, but not the first one, and not on material', () => {
    expect(readingSignals(EMPTY_SNAPSHOT, snap(1, 1), titles, proposal)).toEqual([]);
    expect(readingSignals(snap(1, 1), snap(2, 1), titles, proposal)).toEqual([]);
    expect(readingSignals(snap(2, 1), snap(3, 2), titles, proposal)).toEqual([{ kind: 'new_reader', readers: 2, opens: 3 }]);
    expect(readingSignals(snap(2, 1), snap(3, 2), titles, { kind: 'quote' })).toHaveLength(1);
    expect(readingSignals(snap(2, 1), snap(3, 2), titles, { kind: 'material' })).toEqual([]);
  });

  it('read as a nudge line', () => {
    expect(formatDuration(45)).toBe('45秒');
    expect(formatDuration(120)).toBe('2分钟');
    expect(formatDuration(95)).toBe('1分35秒');
    const [s] = readingSignals(snap(2, 1, { seconds: 100, visits: 2 }), snap(3, 1, { seconds: 120, visits: 3 }), titles, proposal);
    expect(describeSignal(s!, { customer: '华东医疗', document: '报价单' })).toBe('华东医疗刚第3次打开《报价单》，在第7页（价格）累计停留2分钟、看了3次');
  });
});
