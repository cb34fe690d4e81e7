// A .env file as Docker Compose reads it: `KEY=VALUE` lines, `#` comments and blank lines, an
// optional `export ` prefix; single-quoted values are literal, double-quoted ones know `\n`, `\"`
// and `\\`, and unquoted and double-quoted values are interpolated with the keys above them; an
// unquoted value ends at ` #` (an inline comment).
import { readFileSync } from 'node:fs';
import { interpolate } from './interpolate.ts';

export class EnvFileError extends Error {
  override readonly name = 'EnvFileError';
}

export function parseEnvFile(text: string, source = '.env'): Record<string, string> {
  const vars: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source}:${index + 1}`;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new EnvFileError(`${where}: expected KEY=VALUE, got "${line}"`);
    const [, key, rest] = m as unknown as [string, string, string];
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new EnvFileError(`${where}: unclosed ' in ${key}`);
      value = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      const end = /(?<!\\)"/g;
      end.lastIndex = 1;
      const close = end.exec(rest);
      if (!close) throw new EnvFileError(`${where}: unclosed " in ${key}`);
      const body = rest
        .slice(1, close.index)
        .replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      value = interpolate(body, vars, where);
    } else {
      value = interpolate(rest.replace(/\s+#.*$/, '').trim(), vars, where);
    }
    vars[key] = value;
  });
  return vars;
}

export function readEnvFile(path: string): Record<string, string> {
  return parseEnvFile(readFileSync(path, 'utf8'), path);
}
