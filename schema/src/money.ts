// Money is exact: an amount is a whole number of millionths (a bigint), so sums never drift the
// way floating-point sums do. Clients send JSON numbers; the lake keeps them as DOUBLE; every
// stage turns them into millionths with the same rule (rounded to 6 decimal places, SQL:
// `CAST(revenue AS DECIMAL(38, 6))`) before adding them up.

/** Decimal places of an exact amount. */
export const MONEY_SCALE = 6;
const UNIT = 10n ** BigInt(MONEY_SCALE);

/** An amount in millionths, or null for null, NaN, infinities and magnitudes of 1e15 or more. */
export function toMicros(value: number | null): bigint | null {
  if (value === null || !Number.isFinite(value) || Math.abs(value) >= 1e15) return null;
  // toFixed rounds the double's exact binary value, and never uses exponent notation below 1e21.
  const [whole = '0', fraction = ''] = value.toFixed(MONEY_SCALE).split('.');
  const negative = whole.startsWith('-');
  const micros = BigInt(whole.replace('-', '')) * UNIT + BigInt(fraction || '0');
  return negative ? -micros : micros;
}

/** Millionths as a plain decimal string without trailing zeros: `19990000n` -> `"19.99"`. */
export function formatMicros(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(MONEY_SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
