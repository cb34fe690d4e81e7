// Revenue in the reporting currency: each currency's exact total times the user's rate
// (BATCH_FX_RATES), rounded half away from zero to 6 places, then added. No rate, no total: a
// total that silently left out a currency would be a wrong number that looks right. (A zero
// amount needs no rate: orders without revenue do not block the total.)
import { add, type Decimal, formatDecimal, multiply, parseDecimal, rescale } from './decimal.ts';

export interface CurrencyRevenue {
  readonly currency: string | null;
  /** Exact decimal text, as in the orders mart. */
  readonly revenue: string;
}

export interface Converted {
  /** Money text, or null when a currency has no rate. */
  readonly total: string | null;
  /** Currencies without a rate to the reporting currency (`unknown` for orders without one). */
  readonly missing: string[];
}

export const MONEY_SCALE = 6;
export const formatMoney = (d: Decimal) => formatDecimal(rescale(d, MONEY_SCALE), MONEY_SCALE, 2);

export function convertRevenue(
  perCurrency: readonly CurrencyRevenue[],
  reporting: string,
  rates: ReadonlyMap<string, string>,
): Converted {
  let total: Decimal = { units: 0n, scale: MONEY_SCALE };
  const missing: string[] = [];
  for (const { currency, revenue } of perCurrency) {
    const amount = parseDecimal(revenue);
    if (amount.units === 0n) continue; // nothing to convert, whatever the currency
    if (currency === reporting) {
      total = add(total, amount);
      continue;
    }
    const rate = currency === null ? undefined : rates.get(`${currency}/${reporting}`);
    if (rate === undefined) {
      missing.push(currency ?? 'unknown');
      continue;
    }
    total = add(total, rescale(multiply(amount, parseDecimal(rate)), MONEY_SCALE));
  }
  return { total: missing.length ? null : formatMoney(total), missing };
}
