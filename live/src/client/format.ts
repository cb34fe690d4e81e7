// Number and money formatting for the live page (pure; tested in format.test.ts).

const counts = new Intl.NumberFormat('en-US');

/** 12345 -> "12,345". */
export const formatCount = (n: number): string => counts.format(n);

/**
 * An exact decimal amount with its currency, e.g. ("1234.500000", "EUR") -> "€1,234.50". The
 * amount arrives as a string (PostgreSQL numeric); it is turned into a number only to display it.
 * Orders reported without a currency show the bare amount; an unknown code shows the code.
 */
export function formatMoney(amount: string | null, currency: string | null): string {
  const value = Number(amount ?? 0);
  if (currency === null) return `${counts.format(value)} (no currency)`;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(value);
  } catch {
    return `${counts.format(value)} ${currency}`;
  }
}
