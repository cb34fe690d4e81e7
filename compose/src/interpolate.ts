// Compose's variable interpolation, as the compose specification defines it for the values of a
// compose file and of a .env file: `$$` is a literal `$`; `$VAR` and `${VAR}` take the value;
// `${VAR:-default}` / `${VAR-default}` fall back when unset or empty / unset; `${VAR:?message}` /
// `${VAR?message}` stop with the message; `${VAR:+other}` / `${VAR+other}` give `other` when set and
// not empty / set. Defaults and messages may hold further `${...}`. Keys are never interpolated.

export class InterpolationError extends Error {
  override readonly name = 'InterpolationError';
}

export type Variables = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Index of the `}` that closes the `${` whose body starts at `from` (nested `${...}` skipped). */
function closingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++;
    else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new InterpolationError(`unclosed \${ in "${text}"`);
}

function expand(body: string, vars: Variables, where: string): string {
  const name = NAME.exec(body)?.[0];
  if (!name) throw new InterpolationError(`${where}: "\${${body}}" has no variable name`);
  const rest = body.slice(name.length);
  const value = vars[name];
  if (rest === '') return value ?? '';
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw new InterpolationError(`${where}: "\${${body}}" is not a valid substitution`);
  const arg = rest.slice(op.length);
  const empty = op.startsWith(':') ? value === undefined || value === '' : value === undefined;
  switch (op.at(-1)) {
    case '-':
      return empty ? interpolate(arg, vars, where) : (value as string);
    case '?':
      if (empty)
        throw new InterpolationError(`${where}: ${name}: ${interpolate(arg, vars, where) || 'not set'}`);
      return value as string;
    default: // '+'
      return empty ? '' : interpolate(arg, vars, where);
  }
}

/** Replaces every variable reference in `text`; `where` names the place in errors. */
export function interpolate(text: string, vars: Variables, where = 'value'): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '{') {
      const end = closingBrace(text, i + 2);
      out += expand(text.slice(i + 2, end), vars, where);
      i = end;
    } else {
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (name) {
        out += vars[name] ?? '';
        i += name.length;
      } else out += c;
    }
  }
  return out;
}

/** Names of the variables `text` refers to (without interpolating). */
export function variablesIn(text: string): string[] {
  const names = new Set<string>();
  for (const m of text
    .replace(/\$\$/g, '')
    .matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g))
    names.add((m[1] ?? m[2]) as string);
  return [...names];
}
