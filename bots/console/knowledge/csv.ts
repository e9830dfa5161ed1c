/**
 * A small RFC 4180 reader for the org import: commas, quoted fields with `""` and line breaks
 * inside, CRLF or LF, a UTF-8 BOM (Excel's "CSV UTF-8") dropped. Each record keeps the line it
 * starts on, so a bad row is named by the line the admin sees in their editor.
 */

export interface CsvRecord {
  /** 1-based line of the file the record starts on. */
  line: number;
  fields: string[];
}

export function parseCsv(text: string): { records: CsvRecord[]; error: string | null } {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let fieldStarted = false;
  const endRecord = () => {
    fields.push(field);
    // A blank line is no record.
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      fieldStarted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) return { records, error: `line ${start}: a quoted field is not closed` };
  if (field !== '' || fields.length > 0) endRecord();
  return { records, error: null };
}

/**
 * A field the org export protected from Excel, ="0805922573" (bots/console/export.ts NUMBER_LIKE),
 * read back to its value: a file imported without having been opened in Excel, or saved by a
 * spreadsheet that keeps formulas as text (LibreOffice with formulas not evaluated).
 */
export function unwrapExcelText(field: string): string {
  const m = /^="([^"]*)"$/.exec(field);
  return m ? m[1]! : field;
}
