/**
 * The SDK EventDispatcher both modes hand events to. Each handler resolves only once the sink
 * has resolved, so the long connection acks (and the webhook answers 200) after the message is
 * stored; a sink failure rejects, which the SDK acks as 500 and Feishu redelivers.
 */
import { EventDispatcher, type Cache } from '@larksuiteoapi/node-sdk';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { InboundSink } from '../types.ts';
import { parseFeishuCardAction, parseFeishuMessage } from './parse.ts';
import { sdkLoggerLevel, toSdkLogger } from './sdk-logger.ts';

export interface FeishuDispatcherOptions {
  /** The sink given to `start`; throws when the adapter has not been started. */
  sink(): InboundSink;
  log: Logger;
  cache: Cache;
  /**
   * What to do with an event that cannot be parsed: `throw` (the webhook answers 400) or `ack`
   * (on the long connection a 500 ack only earns hours of identical redeliveries).
   */
  onMalformed: 'throw' | 'ack';
}

/** The toast Feishu shows the rep after pressing a feedback button. */
const FEEDBACK_TOAST = { toast: { type: 'success', content: '已收到反馈' } };
/**
 * The toast for a press the coach refuses for good (someone else's forwarded card, a nudge that
 * no longer exists). Answered, not failed: a failure shows a bare error and, on the long
 * connection, is a 500 ack that invites redeliveries that can never succeed.
 */
const REFUSED_TOAST = { toast: { type: 'error', content: '这张卡片不是发给你的，操作未记录' } };
/** The toast after answering a deal confirmation. */
const CONFIRM_TOAST = { toast: { type: 'success', content: '已记录你的确认' } };

/** Builds the dispatcher with handlers for `im.message.receive_v1` and `card.action.trigger`. */
export function createFeishuDispatcher(opts: FeishuDispatcherOptions): EventDispatcher {
  const { log } = opts;
  const malformed = (err: unknown, what: string): void => {
    if (opts.onMalformed === 'throw' || !(err instanceof AppError) || err.code !== 'BAD_REQUEST') throw err;
    log.warn({ code: err.code }, `dropping malformed Feishu ${what}: ${err.message}`);
  };

  const dispatcher = new EventDispatcher({ logger: toSdkLogger(log), loggerLevel: sdkLoggerLevel(log), cache: opts.cache });
  dispatcher.register({
    'im.message.receive_v1': async (data: unknown) => {
      let msg: ReturnType<typeof parseFeishuMessage>;
      try {
        msg = parseFeishuMessage(data);
      } catch (err) {
        malformed(err, 'im.message.receive_v1');
        return undefined;
      }
      // A sink that throws could not store: the SDK answers 500 and Feishu delivers it again.
      const result = await opts.sink().message(msg);
      if (result.status === 'refused') {
        malformed(new AppError('BAD_REQUEST', result.reason), 'im.message.receive_v1');
        return undefined;
      }
      log.debug({ messageId: msg.messageId, status: result.status }, 'Feishu message handed to ingest');
      return undefined;
    },
    // https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/feishu-cards/card-callback-communication
    'card.action.trigger': async (data: unknown) => {
      const press = parseFeishuCardAction(data);
      if (!press) {
        log.warn('Feishu card action that is not one of our buttons: ignored');
        return {};
      }
      const result = await opts.sink().press(press);
      if (result.status === 'refused') {
        log.warn({ reason: result.reason }, 'Feishu card press refused');
        return REFUSED_TOAST;
      }
      return press.action.kind === 'feedback' ? FEEDBACK_TOAST : CONFIRM_TOAST;
    },
  });
  return dispatcher;
}
