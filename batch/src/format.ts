// How a mart's values are written: one canonical text per column type, whichever engine computed
// it (DuckDB and Spark print decimals and big integers differently), then CSV cells.
//
// CSV: RFC 4180 with a header row, comma, `"` quotes (doubled inside), LF line ends, UTF-8 without
// BOM; NULL is an empty field, the empty string is `""`.
//
// Formula injection: spreadsheet programs run a cell that starts with = + - or @ (and some with a
// tab or carriage return) as a formula. In text columns such a cell gets one `'` in front
// (OWASP's advice), and so does a cell that already starts with `'`, so the rule can be undone
// without ambiguity: strip exactly one leading `'` from a text cell that starts with `'`. Number,
// date and hour columns are never changed (a negative amount stays a number).
import { formatDecimal, parseDecimal } from './decimal.ts';
import type { ColumnType } from './marts/mart.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const HOUR = /^\d{4}-\d{2}-\d{2} \d{2}:00:00[+-]\d{2}:\d{2}$/;

/** The canonical text of a value of the given type (null stays null). */
export function formatValue(type: ColumnType, raw: string | null): string | null {
  if (raw === null) return null;
  switch (type) {
    case 'text':
      return raw;
    case 'date':
      if (!DATE.test(raw)) throw new Error(`not a date: ${raw}`);
      return raw;
    case 'hour':
      if (!HOUR.test(raw)) throw new Error(`not an hour: ${raw}`);
      return raw;
    case 'int':
      return BigInt(raw).toString();
    case 'money':
      return formatDecimal(parseDecimal(raw), 6, 2);
    case 'decimal4':
      return formatDecimal(parseDecimal(raw), 4);
    case 'seconds':
      return formatDecimal(parseDecimal(raw), 3);
    case 'number':
      return formatDecimal(parseDecimal(raw), 6, 0);
  }
}

const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text cell made safe for spreadsheets (see above). */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function quote(text: string): string {
  return text === '' || NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (with its LF) of formatted values. */
export function csvLine(values: readonly (string | null)[], types?: readonly ColumnType[]): string {
  return `${values
    .map((v, i) => (v === null ? '' : quote(types?.[i] === 'text' ? neutralise(v) : v)))
    .join(',')}\n`;
}
