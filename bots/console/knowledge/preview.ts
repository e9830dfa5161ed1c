/**
 * An atom's nudge as each platform would show it: the real nudge renderer (bots/coaching/render.ts)
 * on a sample deal, then each adapter's own encoder, and the card drawn from what the encoder
 * produced (so a field the platform drops is missing here too). The payloads are shown as well.
 */
import { encodeRobotTemplate } from '../../../adapters/dingtalk/encode.ts';
import { encodeFeishuMessage } from '../../../adapters/feishu/encode.ts';
import { encodeBotMessages } from '../../../adapters/wecom/encode.ts';
import type { Atom } from '../../catalog/schema.ts';
import { renderNudge } from '../../coaching/render.ts';
import { esc } from '../html.ts';

export interface PlatformPreview {
  platform: 'wecom' | 'feishu' | 'dingtalk';
  label: string;
  /** The card as HTML (escaped), drawn from the payload. */
  html: string;
  /** What the adapter would send. */
  payload: unknown;
}

const SAMPLE = {
  nudgeId: 'preview',
  title: '客户提出价格异议',
  hint: '先确认预算和决策流程，再谈价值，不要直接降价。',
  dealName: '华东医疗 · 随访平台项目',
  evidence: { label: '客户原话' as const, text: '48 万？太贵了，超出我们今年的预算了。' },
  vars: { contact: '李主任', rep: '张三' },
};

/** Chat markdown as HTML: `**bold**`, `code` and line breaks, everything else escaped. */
function mdHtml(s: string): string {
  return esc(s)
    .replace(/\*\*([^*\n]+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/\n/g, '<br>');
}

const buttons = (labels: string[]) => (labels.length > 0 ? `<p class="buttons">${labels.map((l) => `<span class="btn">${esc(l)}</span>`).join('')}</p>` : '');

export function previewAtom(atom: Atom): PlatformPreview[] {
  const msg = renderNudge({ ...SAMPLE, atoms: [atom] });

  const wecom = encodeBotMessages(msg, 'preview');
  const wecomHtml = wecom
    .map((b) => {
      if (b.msgtype === 'markdown') return `<div class="md">${mdHtml(b.markdown.content)}</div>`;
      const card = (b as { template_card: { main_title?: { title?: string }; button_list?: { text: string }[] } }).template_card;
      return `<div class="tpl"><p class="title">${esc(card.main_title?.title ?? '')}</p>${buttons((card.button_list ?? []).map((x) => x.text))}</div>`;
    })
    .join('');

  const feishu = encodeFeishuMessage(msg);
  const card = JSON.parse(feishu.content) as {
    header?: { title?: { content?: string } };
    elements?: Array<{ tag: string; content?: string; actions?: Array<{ text: { content: string } }> }>;
  };
  const feishuHtml = `<p class="title">${esc(card.header?.title?.content ?? '')}</p>${(card.elements ?? [])
    .map((e) => (e.tag === 'markdown' ? `<div class="md">${mdHtml(e.content ?? '')}</div>` : buttons((e.actions ?? []).map((a) => a.text.content))))
    .join('')}`;

  const ding = encodeRobotTemplate(msg);
  const dingButtons = Object.keys(ding.msgParam)
    .filter((k) => /^actionTitle\d+$|^singleTitle$/.test(k))
    .map((k) => ding.msgParam[k]!);
  const dingHtml = `<p class="title">${esc(ding.msgParam.title ?? '')}</p><div class="md">${mdHtml(ding.msgParam.text ?? ding.msgParam.content ?? '')}</div>${buttons(dingButtons)}`;

  return [
    { platform: 'wecom', label: '企业微信', html: wecomHtml, payload: wecom },
    { platform: 'feishu', label: '飞书', html: feishuHtml, payload: { msg_type: feishu.msg_type, content: card } },
    { platform: 'dingtalk', label: '钉钉', html: dingHtml, payload: ding },
  ];
}
