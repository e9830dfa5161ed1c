/**
 * Lists as files: CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese; CRLF; RFC 4180
 * quoting) and Excel .xlsx (exceljs). A cell that a spreadsheet would run as a formula (starts
 * with = + - @) is written as text with a leading apostrophe. Times are on the organisation's wall
 * clock. At most EXPORT_ROW_CAP rows: the reply says so in `x-export-truncated`.
 */
import { wallClock } from '../../core/zoned-time.ts';

/** Most rows one export holds. */
export const EXPORT_ROW_CAP = 10_000;

export type Cell = string | number | Date | null | undefined;
export interface ExportColumn<T> {
  header: string;
  value: (row: T) => Cell;
  /**
   * An identifier a spreadsheet must keep as typed: in the CSV, a value it would read as a number
   * or a date is written as ="…" (see NUMBER_LIKE). The .xlsx has it as a string cell already.
   */
  asText?: boolean;
}
export interface ExportFile {
  body: Buffer;
  contentType: string;
  fileName: string;
}

const BOM = '\uFEFF';

/** `2026-11-23 09:05` on the wall clock. */
export function wallTime(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
}

const guard = (s: string): string => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

function text(c: Cell, timeZone: string): string {
  if (c === null || c === undefined) return '';
  if (c instanceof Date) return wallTime(c, timeZone);
  if (typeof c === 'number') return String(c);
  return guard(c);
}

/**
 * What Excel (and LibreOffice, Numbers) turn into a number or a date when a CSV is opened. Excel
 * drops a leading zero (0805922573 becomes 805922573), writes a long number as 8.06E+09 and reads
 * 2024-01 as a date, and saves the file so. toCsv writes such a text cell as a formula that is a
 * string literal, ="0805922573", which shows and saves the exact text; the org import reads it back
 * to the value (unwrapExcelText in knowledge/csv.ts). The value has no quote, so the formula can
 * hold nothing else: no way in for a formula of the data's own.
 */
const NUMBER_LIKE = /^(?=.*\d)[\d +\-.,:/eE%]+$/;

export function toCsv<T>(columns: readonly ExportColumn<T>[], rows: readonly T[], timeZone: string): Buffer {
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [columns.map((c) => quote(c.header)).join(',')];
  const cell = (c: ExportColumn<T>, r: T) => {
    const v = c.value(r);
    return c.asText && typeof v === 'string' && NUMBER_LIKE.test(v) ? `="${v}"` : text(v, timeZone);
  };
  for (const r of rows) lines.push(columns.map((c) => quote(cell(c, r))).join(','));
  return Buffer.from(`${BOM}${lines.join('\r\n')}\r\n`, 'utf8');
}

export async function toXlsx<T>(columns: readonly ExportColumn<T>[], rows: readonly T[], timeZone: string, sheet: string): Promise<Buffer> {
  // Loaded at the first export: half a second of CPU that starting a process should not pay.
  const { default: ExcelJS } = await import('exceljs');
  const book = new ExcelJS.Workbook();
  book.creator = 'dealwise';
  const ws = book.addWorksheet(sheet.slice(0, 31));
  ws.addRow(columns.map((c) => c.header)).font = { bold: true };
  // Times as wall-clock text: an Excel date has no zone and would show UTC.
  for (const r of rows) ws.addRow(columns.map((c) => (typeof c.value(r) === 'number' ? (c.value(r) as number) : text(c.value(r), timeZone))));
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  columns.forEach((c, i) => {
    const col = ws.getColumn(i + 1);
    col.width = Math.min(60, Math.max(8, c.header.length * 2 + 2));
  });
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** One list as a file in `format`, named `<name>-<day>.<ext>`. */
export async function exportFile<T>(
  format: 'csv' | 'xlsx',
  p: { name: string; sheet: string; columns: readonly ExportColumn<T>[]; rows: readonly T[]; timeZone: string; now: Date },
): Promise<ExportFile> {
  const day = wallTime(p.now, p.timeZone).slice(0, 10);
  const fileName = `${p.name}-${day}.${format}`;
  if (format === 'csv') return { body: toCsv(p.columns, p.rows, p.timeZone), contentType: 'text/csv; charset=utf-8', fileName };
  return {
    body: await toXlsx(p.columns, p.rows, p.timeZone, p.sheet),
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    fileName,
  };
}

/** `attachment; filename=…`: an ASCII fallback and the UTF-8 name (RFC 6266, 5987). */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
