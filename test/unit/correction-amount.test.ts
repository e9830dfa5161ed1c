/**
 * An amount as a person corrects it (bots/deals/corrections.ts `amountFromWords`): the chat's
 * `/deal 华东医疗 金额 …`, the console's form and JSON, and `PATCH /v1/deals/:id` all read it so.
 * The whole value is one amount; anything else is refused with a reason, never read in part.
 */
import { describe, expect, it } from 'vitest';
import { amountFromWords } from '../../bots/deals/corrections.ts';

describe('amountFromWords', () => {
  it.each([
    ['20万', 200_000],
    ['12.5万', 125_000],
    ['12.8w', 128_000],
    ['12W', 120_000],
    ['3.5k', 3_500],
    ['1.2百万', 1_200_000],
    ['1亿', 100_000_000],
    ['120000', 120_000],
    ['128,000', 128_000],
    ['¥120,000', 120_000],
    ['￥120000', 120_000],
    ['120000元', 120_000],
    ['20万元', 200_000],
    ['20 万', 200_000],
    ['二十万', 200_000],
    ['三万五', 35_000],
    ['0', 0],
    ['9.99', 9.99],
    // Full-width digits, point, comma and sign as a Chinese input method types them.
    ['１２万', 120_000],
    ['１２．５万', 125_000],
    ['￥１２０，０００', 120_000],
  ])('%j is %d yuan', (words, amount) => {
    expect(amountFromWords(words)).toEqual({ ok: true, amount });
  });

  it.each([['-5万'], ['-5'], ['－５万'], ['−5万'], ['负5万'], ['¥-120000']])('refuses the negative %j', (words) => {
    expect(amountFromWords(words)).toEqual({ ok: false, reason: expect.stringContaining('不能是负数') });
  });

  it.each([['20万-30万'], ['20-30万'], ['20万~30万'], ['20万到30万'], ['20至30万'], ['２０万－３０万']])('refuses the range %j', (words) => {
    expect(amountFromWords(words)).toEqual({ ok: false, reason: expect.stringContaining('范围') });
  });

  it.each([['0x10'], ['1e6'], ['Infinity'], ['NaN'], ['12,0000'], ['大概20万'], ['20万左右'], ['abc'], [''], ['１２万台'], ['+5万'], ['$12k'], ['12k美元']])(
    'refuses %j, which is not a plain amount',
    (words) => {
      expect(amountFromWords(words)).toEqual({ ok: false, reason: expect.stringContaining('看不懂') });
    },
  );

  it('refuses an amount beyond what a deal can be worth', () => {
    expect(amountFromWords('20000亿')).toEqual({ ok: false, reason: expect.stringContaining('太大') });
  });
});
