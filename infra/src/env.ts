// Readers of configuration from the environment, shared by the services' config.ts files so that
// every variable is refused with the same kind of one-line message.

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * An integer from `min` to `max` from the environment, or `fallback` when unset or empty. Decimal
 * digits only: ` `, `1e3` and `0x10` are refused (Number() would read them as 0, 1000 and 16).
 * Anything else throws the caller's error class, with a message naming the variable and the range.
 */
export function intInRange(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  ErrorClass: new (message: string) => Error,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ErrorClass(`${name}=${raw}: expected an integer from ${min} to ${max}`);
  return n;
}
