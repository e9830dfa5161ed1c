/**
 * Generates the sample proposal the demo and the document tests share:
 * config/documents/sample-proposal.pdf, nine A4 pages in Chinese (云策科技's patient follow-up
 * platform for 华东医疗, the demo's deal), with an outline (bookmarks) naming each page and page 7
 * on price. The PDF is committed, so neither CI nor users need the font.
 *
 * Font: WenQuanYi Micro Hei (Debian's fonts-wqy-microhei), Apache-2.0 or GPL-3+ with the font
 * exception; pdfkit embeds only the subset of glyphs the text uses. The fixed dates keep the
 * output the same from one run to the next.
 *
 *   npm run make:sample-pdf [-- --font /path/to/font.ttc --out config/documents/sample-proposal.pdf]
 */
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import PDFDocument from 'pdfkit';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';
// A TrueType collection holds several faces; pdfkit picks one by its PostScript name.
const FONT_FACE = 'WenQuanYiMicroHei';

interface SamplePage {
  /** The bookmark and the page's heading. */
  title: string;
  lines: string[];
  table?: [string, string][];
}

/** The proposal, page by page: page 7 (index 6) is the price page the founding example is about. */
export const SAMPLE_PAGES: SamplePage[] = [
  {
    title: '封面',
    lines: ['华东医疗 · 患者随访平台', '方案建议书', '', '云策科技 · 华东一组 张三', '2026 年 11 月'],
  },
  {
    title: '公司介绍',
    lines: [
      '云策科技成立于 2014 年，专注医疗机构的患者服务数字化。',
      '服务三甲医院 120 余家，覆盖门诊预约、出院随访、复诊提醒与满意度调查。',
      '通过等保三级认证，数据全部存放在医院本地或指定的政务云。',
      '华东区域设有实施与运维团队，响应时间不超过 2 小时。',
    ],
  },
  {
    title: '客户痛点',
    lines: [
      '6 个院区的出院随访依靠护士电话和手工登记，漏访率约 30%。',
      '随访结果分散在 Excel 与纸质表单中，科室之间无法共享。',
      '复诊提醒没有统一渠道，患者流失难以追踪。',
      '满意度与随访完成率需要每月人工汇总上报，耗时两到三天。',
    ],
  },
  {
    title: '方案概述',
    lines: [
      '按病种自动生成出院随访计划，到期提醒护士，逾期自动标红。',
      '患者在公众号内填写随访问卷，结果回写病历系统。',
      '复诊提醒通过短信与公众号推送，支持一键预约。',
      '院级看板实时展示各院区随访完成率、满意度与异常病例。',
    ],
  },
  {
    title: '实施计划',
    lines: [
      '第 1–2 周：需求确认、接口对接（HIS、EMR）。',
      '第 3–5 周：首批 3 个院区上线，护士培训与试运行。',
      '第 6–8 周：其余 3 个院区上线，随访模板按科室调优。',
      '第 9 周起：运维移交，按月复盘随访完成率。',
    ],
  },
  {
    title: '成功案例',
    lines: [
      '苏州某三甲医院：上线半年，出院随访完成率从 62% 提升到 95%。',
      '护士人均每天节省随访电话约 1.5 小时。',
      '患者满意度调查回收率从 18% 提升到 71%。',
      '杭州某专科医院：复诊预约率提升 23%。',
    ],
  },
  {
    title: '价格',
    lines: ['报价（6 个院区，300 个医护账号）：'],
    table: [
      ['标准版首年', '48 万元（含实施、培训、数据迁移与首年运维）'],
      ['第二年起', '每年 21 万元（运维与版本升级）'],
      ['分期方案', '首期 3 个院区 28.8 万元，其余院区次年按同价扩展'],
      ['付款方式', '合同签订 40%，上线验收 50%，运维满一年 10%'],
    ],
  },
  {
    title: '服务与支持',
    lines: [
      '7×24 小时热线与企业微信服务群，2 小时内响应。',
      '驻场实施顾问 1 名，上线后首月每周回访。',
      '每季度一次随访数据复盘，提供改进建议。',
      '版本升级免费，新功能按季度发布。',
    ],
  },
  {
    title: '合同条款',
    lines: [
      '报价有效期：自发出之日起 30 天。',
      '数据归医院所有，合同终止后 30 天内完整交付并删除副本。',
      '服务水平：系统可用率不低于 99.9%，未达标按月折算服务费。',
      '争议解决：提交合同签订地人民法院管辖。',
    ],
  },
];

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

export async function makeSamplePdf(fontPath: string, outPath: string): Promise<void> {
  if (!existsSync(fontPath)) {
    throw new Error(`font not found: ${fontPath} (apt-get install fonts-wqy-microhei, or pass --font)`);
  }
  mkdirSync(dirname(outPath), { recursive: true });
  const fixedDate = new Date('2026-11-20T00:00:00Z');
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    autoFirstPage: false,
    info: { Title: '华东医疗 · 患者随访平台方案建议书', Author: '云策科技', CreationDate: fixedDate, ModDate: fixedDate },
  });
  doc.registerFont('cjk', fontPath, FONT_FACE);
  const done = new Promise<void>((ok, fail) => {
    const out = createWriteStream(outPath);
    out.on('finish', ok);
    out.on('error', fail);
    doc.pipe(out);
  });

  SAMPLE_PAGES.forEach((page, i) => {
    doc.addPage();
    doc.outline.addItem(page.title);
    doc.font('cjk');
    if (i === 0) {
      doc
        .fontSize(32)
        .text(page.lines[0] ?? '', { align: 'center' })
        .moveDown(0.4);
      doc
        .fontSize(24)
        .text(page.lines[1] ?? '', { align: 'center' })
        .moveDown(3);
      doc.fontSize(14).fillColor('#555555');
      for (const line of page.lines.slice(2)) doc.text(line, { align: 'center' });
    } else {
      doc.fillColor('#1a4f8b').fontSize(26).text(page.title).moveDown(0.8);
      doc.fillColor('#222222').fontSize(14);
      for (const line of page.lines) doc.text(line, { lineGap: 6 }).moveDown(0.5);
      if (page.table) {
        doc.moveDown(0.5);
        for (const [k, v] of page.table) {
          const y = doc.y;
          doc.fontSize(14).fillColor('#1a4f8b').text(k, 56, y, { width: 110 });
          doc.fillColor('#222222').text(v, 170, y, { width: 370 });
          doc.moveDown(0.8);
        }
      }
    }
    // The footer sits in the bottom margin: without this pdfkit would break to a new page.
    doc.page.margins.bottom = 0;
    doc
      .fontSize(10)
      .fillColor('#999999')
      .text(`${i + 1} / ${SAMPLE_PAGES.length}`, 56, 800, { align: 'center', width: 483 });
  });
  doc.end();
  await done;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const font = option('--font', DEFAULT_FONT);
  const out = resolve(ROOT, option('--out', 'config/documents/sample-proposal.pdf'));
  await makeSamplePdf(font, out);
  console.log(`wrote ${out}`);
}
