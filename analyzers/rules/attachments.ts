/**
 * Labels from attachment names. A rep's file is what was sent: 报价单 → quote, 方案 → proposal,
 * 案例/参数表/datasheet → material, 合同/协议 → contract. When the text is empty or generic
 * (见附件, "see attached") the file decides with high confidence; otherwise it still counts, lower.
 * Screenshots, photos, minutes and invoices give nothing; a customer's file never gives a rep
 * label, though a customer's PO or signed contract is a won deal.
 */
import type { AnalyzerRole } from '../../core/types.ts';
import type { RuleHit } from './types.ts';
import { materialTypeOf } from './sending.ts';

const SALUTATION =
  /^(?:[\u4e00-\u9fff]{1,3}(?:总|经理|老师|工|姐|哥|主任|院长|医生|科长|处长|老板|主管)|hi|hello|dear)?[\s,:]*(?:[a-z]+)?[\s,:]*(?:您好|你好)?[\s,:!]*/;
const GENERIC_PHRASE =
  '见附件|详见附件|如附件|请见附件|附件请查收|附件|请查收|请查阅|请过目|发您了|发你了|已发送|已发|请看|您看下|您看一下|供参考|供您参考|see attached|please see attached|please find attached|attached|pfa|fyi|here you go|here it is|as discussed|sent';
const GENERIC = new RegExp(`^(?:(?:${GENERIC_PHRASE})[\\s,。.!~:]*)*$`);

// Names that are never collateral, whatever else they say.
const IGNORE = /截图|screenshot|screen ?shot|屏幕快照|照片|photo|^img[_-]?\d|^dsc|^mmexport|微信图片|纪要|会议记录|minutes|发票|invoice|receipt|收据|回单/;
// File names join words with _ and -, which \b treats as letters: edges are "not a letter".
const CONTRACT = /合同|协议|订单确认|确认书|contract|agreement|(?<![a-z])msa(?![a-z])|order[ _-]?form|(?<![a-z])sow(?![a-z])/;
const QUOTE = /报价|价格表|价目表|价格清单|quotation|quote|price[ _-]?list|pricing/;
const PROPOSAL = /方案|建议书|规划书|计划书|proposal|solution|(?<![a-z])roi(?![a-z])|实施计划|business[ _-]?case/;
const MATERIAL =
  /案例|白皮书|参数|规格|对比|宣传|手册|彩页|画册|介绍|报告|证书|视频|录屏|datasheet|data[ _-]?sheet|spec|comparison|case[ _-]?stud|white[ _-]?paper|brochure|catalog|report|certific|video|\.(?:mp4|mov|avi|wmv|mkv|m4v)$/;
const VIDEO = /视频|录屏|video|\.(?:mp4|mov|avi|wmv|mkv|m4v)$/;
const PURCHASE_ORDER = /采购订单|purchase[ _-]?order|(?:^|[^a-z])po[ _-]?\d/;
const SIGNED = /盖章|已签|双签|签字版|signed|countersigned|executed/;

/** True when the text says nothing beyond "here is a file" (见附件, "see attached", or nothing). */
export function isGenericText(normalized: string): boolean {
  const rest = normalized.trim().replace(SALUTATION, '');
  return GENERIC.test(rest);
}

/** Appends the hits the attachment names give to `out`. `text` is normalised. */
export function attachmentHits(role: AnalyzerRole, attachments: readonly { name: string }[] | undefined, text: string, out: RuleHit[]): void {
  if (!attachments || attachments.length === 0) return;
  const generic = isGenericText(text);
  const confidence = generic ? 0.9 : 0.75;
  // The suffix keeps "file alone" and "file with its own words" apart as classifier features.
  const suffix = generic ? '' : '.with_text';
  for (const a of attachments) {
    const name = a.name.toLowerCase();
    if (IGNORE.test(name)) continue;
    if (role === 'customer') {
      if (PURCHASE_ORDER.test(name) || (SIGNED.test(name) && CONTRACT.test(name))) {
        out.push({ id: 'att.customer_po_or_signed', kind: 'deal_won', confidence: 0.7 });
      }
      continue;
    }
    if (CONTRACT.test(name)) {
      out.push({ id: `att.contract${suffix}`, kind: 'contract_sent', confidence });
    } else if (QUOTE.test(name)) {
      out.push({ id: `att.quote${suffix}`, kind: 'quote_sent', confidence });
    } else if (PROPOSAL.test(name)) {
      out.push({ id: `att.proposal${suffix}`, kind: 'proposal_sent', confidence });
    } else if (MATERIAL.test(name)) {
      const materialType = VIDEO.test(name) ? 'video' : materialTypeOf(name);
      out.push({ id: `att.material${suffix}`, kind: 'material_sent', confidence, ...(materialType ? { materialType } : {}) });
    }
  }
}
