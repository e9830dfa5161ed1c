import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../bots/commands/parse.ts';

describe('parseCommand', () => {
  it.each([
    ['/team', { name: 'team' }],
    ['/team 上周', { name: 'team', period: '上周' }],
    ['/团队 本月', { name: 'team', period: '本月' }],
    ['/TEAM this week', { name: 'team', period: 'this week' }],
    ['/rep 张三', { name: 'rep', who: '张三' }],
    ['/rep 张三 上周', { name: 'rep', who: '张三', period: '上周' }],
    ['/销售 李四 本月', { name: 'rep', who: '李四', period: '本月' }],
    ['/rep Zhang San last week', { name: 'rep', who: 'Zhang San', period: 'last week' }],
    ['/rep 上周', { name: 'rep', who: '', period: '上周' }],
    ['/rep 张三 本季度', { name: 'rep', who: '张三', period: '本季度' }],
    ['/rep 张三 上个月', { name: 'rep', who: '张三', period: '上个月' }],
    ['/rep Zhang San last quarter', { name: 'rep', who: 'Zhang San', period: 'last quarter' }],
    // Not a period /rep reads: left to the answer, which names it (test/commands/rep-period.test.ts).
    ['/rep 张三 去年', { name: 'rep', who: '张三 去年' }],
    ['/deal 华东医疗', { name: 'deal', query: '华东医疗' }],
    ['/商机 华东医疗 患者随访', { name: 'deal', query: '华东医疗 患者随访' }],
    ['/kb 价格异议', { name: 'kb', query: '价格异议' }],
    ['/话术 竞品', { name: 'kb', query: '竞品' }],
    ['/funnel 本月', { name: 'funnel', period: '本月' }],
    ['/漏斗', { name: 'funnel' }],
    ['/help', { name: 'help' }],
    ['/帮助', { name: 'help' }],
    ['/console', { name: 'console' }],
    ['/控制台', { name: 'console' }],
    ['/foo', { name: 'help' }],
    ['/foo bar', { name: 'help' }],
    ['@dealwise /team 本周', { name: 'team', period: '本周' }],
    ['@dealwise @张三 /kb 价格异议', { name: 'kb', query: '价格异议' }],
    ['／team', { name: 'team' }],
    ['／团队　上周', { name: 'team', period: '上周' }],
    ['  /kb   价格异议  ', { name: 'kb', query: '价格异议' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([['你好'], ['报价单发您了'], ['请问 /team 怎么用'], [''], ['@dealwise 你好']])('plain text %j → null', (text) => {
    expect(parseCommand(text)).toBeNull();
  });
});
