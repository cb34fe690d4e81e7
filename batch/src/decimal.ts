// Exact decimals as BigInt units: enough arithmetic for writing the engines' DECIMAL values in one
// canonical form and for converting money with a rate, never through a double.

export interface Decimal {
  /** The value times 10^scale. */
  readonly units: bigint;
  readonly scale: number;
}

const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Parses plain decimal text (`-12.340`, `7`), as both engines print DECIMAL values. */
export function parseDecimal(text: string): Decimal {
  const m = PLAIN.exec(text.trim());
  if (!m) throw new Error(`not a plain decimal: ${text}`);
  const [, sign = '', whole = '0', fraction = ''] = m;
  const units = BigInt(`${whole}${fraction}`);
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

/** The same value with another scale; rounds half away from zero when the scale shrinks. */
export function rescale(d: Decimal, scale: number): Decimal {
  if (scale >= d.scale) return { units: d.units * 10n ** BigInt(scale - d.scale), scale };
  const divisor = 10n ** BigInt(d.scale - scale);
  const negative = d.units < 0n;
  const abs = negative ? -d.units : d.units;
  const rounded = (abs + divisor / 2n) / divisor;
  return { units: negative ? -rounded : rounded, scale };
}

export function add(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale).units + rescale(b, scale).units, scale };
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/**
 * Plain text with `scale` places, trailing zeros dropped down to `minScale` places. Throws when
 * the value has non-zero digits beyond `scale`: an SQL type mismatch, never a rounding to hide.
 */
export function formatDecimal(d: Decimal, scale: number, minScale = scale): string {
  if (d.scale > scale && rescale(rescale(d, scale), d.scale).units !== d.units)
    throw new Error(`value with ${d.scale} decimal places where ${scale} are expected`);
  const v = rescale(d, scale);
  const negative = v.units < 0n;
  let digits = (negative ? -v.units : v.units).toString().padStart(scale + 1, '0');
  let places = scale;
  while (places > minScale && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    places -= 1;
  }
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places);
  return `${negative ? '-' : ''}${whole}${places > 0 ? `.${fraction}` : ''}`;
}
