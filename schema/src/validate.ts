// Runtime validation of the contract with Ajv: the same validator Fastify uses for route bodies,
// so a fixture that passes here passes the collector's schema check too.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CollectedEvent } from './collected-event.ts';
import { WireBatch, WireEvent } from './wire-event.ts';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface ValidationIssue {
  /** JSON Pointer to the offending field, e.g. `/context/screen/width`; `` for the root. */
  readonly path: string;
  readonly message: string;
}

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * Creates the Ajv instance with the options the contract is written for. `fast` formats check
 * the shape of a date-time with one regular expression instead of parsing the calendar; the
 * processor uses them for collected events, whose times the collector wrote itself.
 */
export function createAjv(mode: 'full' | 'fast' = 'full'): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: false });
  addFormats(ajv, { mode, formats: ['date-time', 'uri', 'email', 'uuid'] });
  return ajv;
}

function describe(e: ErrorObject): ValidationIssue {
  const p = e.params as Record<string, unknown>;
  // The identity rule is `anyOf: [{required: [anonymousId]}, {required: [userId]}]`.
  if (/\/anyOf(\/\d+\/required)?$/.test(e.schemaPath)) {
    return { path: `${e.instancePath}/anonymousId`, message: 'anonymousId or userId is required' };
  }
  if (e.keyword === 'required') {
    return { path: `${e.instancePath}/${String(p.missingProperty)}`, message: 'is required' };
  }
  return { path: e.instancePath, message: e.message ?? e.keyword };
}

function validatorFor<T>(validate: ValidateFunction): (input: unknown) => ValidationResult<T> {
  return (input) => {
    if (validate(input)) return { ok: true, value: input as T };
    const errors = validate.errors ?? [];
    // Report the most specific error: `required` inside an if/then comes with an `if` wrapper.
    const meaningful = errors.filter((e) => e.keyword !== 'if');
    return { ok: false, issues: (meaningful.length ? meaningful : errors).map(describe) };
  };
}

const ajv = createAjv();
export const validateWireEvent = validatorFor<WireEvent>(ajv.compile(WireEvent));
export const validateWireBatch = validatorFor<WireBatch>(ajv.compile(WireBatch));
export const validateCollectedEvent = validatorFor<CollectedEvent>(createAjv('fast').compile(CollectedEvent));
