import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { formatPageLabel, headingOf, pageTitles, pricePages, type PdfTextItem } from '../../bots/documents/page-labels.ts';
import { inspectPdf, looksLikePdf } from '../../bots/documents/pdf-inspect.ts';
import { AppError } from '../../core/errors.ts';
import { samplePdf } from './harness.ts';

/** A PDF without an outline, in pdfkit's built-in Helvetica (no font file needed). */
function plainPdf(pages: { heading?: string; body: string[] }[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, autoFirstPage: false });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    for (const p of pages) {
      doc.addPage();
      if (p.heading) doc.fontSize(24).text(p.heading).moveDown();
      doc.fontSize(11);
      for (const line of p.body) doc.text(line);
    }
    doc.end();
  });
}

describe('page labels', () => {
  it('come from the sample proposal’s bookmarks, page 7 on price', async () => {
    const inspection = await inspectPdf(samplePdf());
    expect(inspection.pageCount).toBe(9);
    expect(inspection.outline.map((e) => e.page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const titles = pageTitles(inspection);
    expect(titles).toEqual(['封面', '公司介绍', '客户痛点', '方案概述', '实施计划', '成功案例', '价格', '服务与支持', '合同条款']);
    expect(formatPageLabel(7, titles[6])).toBe('第7页 · 价格');
    expect(pricePages(titles)).toEqual([7]);
  });

  it('fall back to each page’s largest line near the top, else its first line', async () => {
    const pdf = await plainPdf([
      { heading: 'Company overview', body: ['We build follow-up software for hospitals.', 'Founded 2014.'] },
      { body: ['Just a paragraph of text without any heading at all, and long enough to be cut short.', 'Another line.'] },
      { heading: 'Pricing', body: ['Standard edition: 480,000 CNY in the first year.'] },
    ]);
    const inspection = await inspectPdf(pdf);
    expect(inspection.outline).toEqual([]);
    const titles = pageTitles(inspection);
    expect(titles[0]).toBe('Company overview');
    expect(titles[1]).toMatch(/^Just a paragraph of text…$|^Just a paragraph/);
    expect([...(titles[1] ?? '')].length).toBeLessThanOrEqual(24);
    expect(titles[2]).toBe('Pricing');
    expect(pricePages(titles)).toEqual([3]);
  });

  it('skip page numbers and merge the runs of one line', () => {
    const items: PdfTextItem[] = [
      { str: '3 / 9', size: 10, top: 0.02 },
      { str: '价格', size: 26, top: 0.08 },
      { str: '与报价', size: 26, top: 0.081 },
      { str: '标准版首年 48 万元', size: 14, top: 0.15 },
      { str: '第二年起每年 21 万元', size: 14, top: 0.18 },
    ];
    expect(headingOf(items)).toBe('价格与报价');
    expect(headingOf([])).toBeNull();
  });

  it('refuse what is not a PDF, or not a readable one', async () => {
    expect(looksLikePdf(Buffer.from('%PDF-1.7\n'))).toBe(true);
    expect(looksLikePdf(Buffer.from('PK\u0003\u0004 a zip file'))).toBe(false);
    await expect(inspectPdf(Buffer.from('hello'))).rejects.toThrow(AppError);
    await expect(inspectPdf(Buffer.from('%PDF-1.7\n this is not really a pdf'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
