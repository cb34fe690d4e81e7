// Helpers that write portable SQL: text that DuckDB and Spark SQL both accept and compute
// identically. The rules the batch's SQL keeps (each broke the old SQL on Spark or made the two
// engines disagree):
//
//   - No DOUBLE reaches a mart: money is integer micros (BIGINT), rates and durations are exact
//     DECIMALs built from integers. Doubles round differently on the two engines.
//   - Integer division is written as (a - a % b) / b: the quotient of two exact multiples is exact
//     in a double, and both engines' `%` agree on non-negative numbers.
//   - Every ORDER BY says NULLS FIRST or NULLS LAST (the engines' defaults differ); no min_by/arg_min
//     (their NULL handling differs): row_number() picks first rows.
//   - Spark's function names; DuckDB gets the two it lacks as macros (duckdb-engine.ts):
//     unix_millis(ts) and sha2(text, 256).
//   - No backslashes in literals (Spark reads them as escapes), no `range()`, no `* EXCLUDE`, no
//     `::` casts, no VARCHAR (STRING), no engine-specific read options: the engines load the lake
//     and the small side tables themselves (engine.ts).

/** floor(a / b) for a >= 0 and b > 0, exact on both engines. */
export const idiv = (a: string, b: string) => `CAST(((${a}) - (${a}) % (${b})) / (${b}) AS BIGINT)`;

/** a / b rounded half up to an integer, for a >= 0 and b > 0. */
export const roundDiv = (a: string, b: string) => idiv(`2 * (${a}) + (${b})`, `2 * (${b})`);

/** a / b rounded half away from zero, for any a and b > 0. */
export const roundDivSigned = (a: string, b: string) =>
  `CASE WHEN (${a}) < 0 THEN -${roundDiv(`-(${a})`, b)} ELSE ${roundDiv(a, b)} END`;

const unit = (scale: number) => `0.${'0'.repeat(scale - 1)}1`;

/** An integer count of 10^-scale units as an exact DECIMAL(precision, scale). */
export const scaled = (units: string, scale: number, precision = 18) =>
  `CAST(CAST(${units} AS DECIMAL(20,0)) * ${unit(scale)} AS DECIMAL(${precision},${scale}))`;

/** num / den as a DECIMAL with `scale` places, rounded half up; NULL when den is 0. */
export const ratio = (num: string, den: string, scale = 4) =>
  `CASE WHEN (${den}) > 0 THEN ${scaled(roundDiv(`(${num}) * ${10 ** scale}`, den), scale)} END`;

/** Integer micros of a currency as DECIMAL(38,6), the exact money type. */
export const money = (micros: string) => scaled(micros, 6, 38);

/** Milliseconds as seconds, DECIMAL(18,3). */
export const seconds = (ms: string) => scaled(ms, 3);

/** Quotes a text value as an SQL literal (no backslashes involved: quotes are doubled). */
export const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
