/** The pure steps: bot payload parsing, app XML parsing, and the two encoders. */
import { describe, expect, it } from 'vitest';
import { parseBotCardEvent, parseBotMessage } from '../../../adapters/wecom/bot-parse.ts';
import { parseAppCallback } from '../../../adapters/wecom/app-parse.ts';
import { encodeAppMessages, encodeBotMessages, splitMarkdown, taskIdFor, truncateUtf8 } from '../../../adapters/wecom/encode.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import type { CardButton } from '../../../core/types.ts';
import { json, text } from './fixtures.ts';

describe('parseBotMessage', () => {
  it('parses mixed text+image as text, joining the text items', () => {
    expect(parseBotMessage(json('bot/mixed-group.json'))).toMatchObject({ kind: 'text', text: '@销售助手 这是客户发来的截图', chatType: 'group' });
  });

  it('never fails on an unknown msgtype: kind other, empty text', () => {
    const body = { ...json('bot/text-single.json'), msgtype: 'sticker_v2', text: undefined };
    expect(parseBotMessage(body)).toMatchObject({ kind: 'other', text: '', attachments: [] });
  });

  it('rejects a malformed envelope naming the field', () => {
    expect(() => parseBotMessage({ ...json('bot/text-single.json'), msgid: undefined })).toThrow(/msgid/);
    expect(() => parseBotMessage({ ...json('bot/text-group.json'), chatid: undefined })).toThrow(/chatid: required for a group chat/);
    expect(() => parseBotMessage({ ...json('bot/text-single.json'), from: {} })).toThrow(/from\.userid/);
  });

  it('falls back to now when create_time is missing, and accepts milliseconds', () => {
    const before = Date.now();
    const noTime = parseBotMessage({ ...json('bot/text-single.json'), create_time: undefined });
    expect(noTime.sentAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(parseBotMessage({ ...json('bot/text-single.json'), create_time: 1732700060123 }).sentAt.getTime()).toBe(1732700060123);
  });
});

describe('parseBotCardEvent', () => {
  it('reads the documented nested shape and the SDK-typed flat shape', () => {
    const nested = json('bot/card-event.json');
    expect(parseBotCardEvent(nested)).toEqual({
      platform: 'wecom',
      senderId: 'lisi',
      action: { kind: 'feedback', nudgeId: 'nudge-42', value: 'useful' },
      at: new Date(1732700300_000),
    });
    const flat = {
      ...nested,
      event: { eventtype: 'template_card_event', event_key: '{"nudgeId":"n-1","value":"used"}', task_id: 't' },
    };
    expect(parseBotCardEvent(flat)?.action).toMatchObject({ nudgeId: 'n-1', value: 'used' });
  });

  it('returns null for foreign keys and other events', () => {
    expect(parseBotCardEvent({ ...json('bot/card-event.json'), event: { eventtype: 'enter_chat' } })).toBeNull();
    const foreign = json('bot/card-event.json') as { event: { template_card_event: { event_key: string } } };
    foreign.event.template_card_event.event_key = '{"nudgeId":"x","value":"great"}';
    expect(parseBotCardEvent(foreign)).toBeNull();
  });
});

describe('parseAppCallback', () => {
  it('ignores events other than card presses, with the reason', () => {
    expect(parseAppCallback(text('app/enter-agent.xml'))).toEqual({ type: 'ignored', reason: 'event enter_agent' });
  });

  it('parses voice with its recognition text and an unknown type as other', () => {
    const voice = text('app/text.xml').replace(
      '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[/kb 价格异议]]></Content>',
      '<MsgType><![CDATA[voice]]></MsgType><Recognition><![CDATA[报价发了吗]]></Recognition>',
    );
    expect(parseAppCallback(voice)).toMatchObject({ type: 'message', message: { kind: 'voice', text: '报价发了吗' } });
    const odd = text('app/text.xml').replace('<![CDATA[text]]>', '<![CDATA[miniprogram]]>');
    expect(parseAppCallback(odd)).toMatchObject({ type: 'message', message: { kind: 'other', text: '' } });
  });
});

describe('encoders', () => {
  const card = { type: 'card' as const, title: '价格异议', text: '先确认预算', buttons: feedbackButtons('n-1') };

  it('encode a card without buttons as markdown on both channels', () => {
    const plain = { ...card, buttons: [] };
    expect(encodeBotMessages(plain, 'k')).toEqual([{ msgtype: 'markdown', markdown: { content: '**价格异议**\n先确认预算' } }]);
    expect(encodeAppMessages(plain, { userId: 'u', agentId: 1 }, 'k')).toMatchObject([{ msgtype: 'markdown' }]);
  });

  it('send a card with buttons as its whole text in markdown, then a small card with the title and the buttons', () => {
    for (const bodies of [encodeBotMessages(card, 'k'), encodeAppMessages(card, { userId: 'u', agentId: 1 }, 'k')]) {
      expect(bodies).toHaveLength(2);
      expect(bodies[0]).toMatchObject({ msgtype: 'markdown', markdown: { content: '**价格异议**\n先确认预算' } });
      const tc = (bodies[1] as { template_card: { main_title: { title: string }; sub_title_text?: string; button_list: unknown[] } }).template_card;
      expect(tc.main_title.title).toBe('价格异议');
      expect(tc.sub_title_text).toBeUndefined();
      expect(tc.button_list).toHaveLength(3);
    }
  });

  it('split a long nudge between lines, keeping every talk-track whole on the app channel (2,048 bytes)', () => {
    const tracks = Array.from({ length: 6 }, (_, i) => `${i + 1}. ${'话术内容'.repeat(30)}`);
    const long = { ...card, text: tracks.join('\n') };
    const bodies = encodeAppMessages(long, { userId: 'u', agentId: 1 }, 'k');
    const md = bodies.filter((b) => b.msgtype === 'markdown').map((b) => (b as { markdown: { content: string } }).markdown.content);
    expect(md.length).toBeGreaterThan(1);
    for (const piece of md) expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(2048);
    for (const t of tracks) expect(md.some((piece) => piece.includes(t))).toBe(true);
    expect(splitMarkdown('a\nb', 10)).toEqual(['a\nb']);
  });

  it('refuse more than six buttons and duplicate keys', () => {
    const seven: CardButton[] = Array.from({ length: 7 }, (_, i) => ({ label: `b${i}`, value: `v${i}` }));
    expect(() => encodeBotMessages({ ...card, buttons: seven }, 'k')).toThrow(/at most 6 buttons/);
    expect(() =>
      encodeAppMessages(
        {
          ...card,
          buttons: [
            { label: 'a', value: 'v' },
            { label: 'b', value: 'v' },
          ],
        },
        { userId: 'u', agentId: 1 },
        'k',
      ),
    ).toThrow(/differ/);
  });

  it('derive a stable, WeCom-valid task_id from the idempotency key', () => {
    expect(taskIdFor('nudge:1')).toBe(taskIdFor('nudge:1'));
    expect(taskIdFor('nudge:1')).not.toBe(taskIdFor('nudge:2'));
    expect(taskIdFor('任意 key / with spaces')).toMatch(/^[A-Za-z0-9_\-@]{1,128}$/);
  });

  it('cut app text at 2,048 bytes without splitting a character', () => {
    const long = '价'.repeat(1000); // 3,000 bytes
    const [body] = encodeAppMessages({ type: 'text', text: long }, { userId: 'u', agentId: 1 }, 'k') as Array<{ text: { content: string } }>;
    expect(Buffer.byteLength(body!.text.content)).toBeLessThanOrEqual(2048);
    expect(body!.text.content.endsWith('…')).toBe(true);
    expect(body!.text.content).not.toContain('\uFFFD');
    expect(truncateUtf8('short', 2048)).toBe('short');
  });
});
