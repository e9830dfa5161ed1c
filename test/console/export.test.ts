/** The export writers as pure functions: CSV quoting, the BOM, formula guards, wall-clock times, .xlsx cells. */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { attachment, type ExportColumn, toCsv, toXlsx } from '../../bots/console/export.ts';

interface Row {
  name: string;
  n: number | null;
  at: Date;
}
const columns: ExportColumn<Row>[] = [
  { header: '名称', value: (r) => r.name },
  { header: '数', value: (r) => r.n },
  { header: '时间', value: (r) => r.at },
];
const at = new Date('2026-11-23T01:05:00Z'); // 09:05 in Shanghai

describe('toCsv', () => {
  it('starts with a BOM, ends lines with CRLF, quotes commas, quotes and line breaks, and guards formulas', () => {
    const rows: Row[] = [
      { name: '华东医疗, "随访"\n平台', n: 480000, at },
      { name: '=1+1', n: null, at },
      { name: '-5 折', n: -5, at },
    ];
    const text = toCsv(columns, rows, 'Asia/Shanghai').toString('utf8');
    expect(text).toBe(`\uFEFF名称,数,时间\r\n"华东医疗, ""随访""\n平台",480000,2026-11-23 09:05\r\n'=1+1,,2026-11-23 09:05\r\n'-5 折,-5,2026-11-23 09:05\r\n`);
  });
});

describe('toXlsx', () => {
  it('writes a header row, numbers as numbers and times on the wall clock', async () => {
    const buf = await toXlsx(columns, [{ name: '北方电力', n: 12, at }], 'Asia/Shanghai', '商机');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(buf as unknown as ArrayBuffer);
    const ws = book.getWorksheet('商机')!;
    expect(ws.getRow(1).values).toEqual([undefined, '名称', '数', '时间']);
    expect(ws.getRow(2).values).toEqual([undefined, '北方电力', 12, '2026-11-23 09:05']);
  });
});

describe('attachment', () => {
  it('gives an ASCII fallback and the UTF-8 name', () => {
    expect(attachment('商机-2026-11-23.csv')).toBe(`attachment; filename="__-2026-11-23.csv"; filename*=UTF-8''${encodeURIComponent('商机-2026-11-23.csv')}`);
  });
});
