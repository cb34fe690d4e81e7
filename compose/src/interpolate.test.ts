// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose's ${VAR} syntax is what these tests are about
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from './env-file.ts';
import { InterpolationError, interpolate, variablesIn } from './interpolate.ts';

describe('interpolate (compose rules)', () => {
  const vars = { A: 'a', EMPTY: '', JSON: '[{"x":1}]' };

  it('substitutes, escapes and falls back', () => {
    expect(interpolate('$A-${A}-$$A-$$$A', vars)).toBe('a-a-$A-$a');
    expect(interpolate('${UNSET}|${EMPTY}|$UNSET', vars)).toBe('||');
    expect(interpolate('${UNSET:-d}|${EMPTY:-d}|${EMPTY-d}|${A:-d}', vars)).toBe('d|d||a');
    expect(interpolate('${UNSET:-${A}x}', vars)).toBe('ax');
    expect(interpolate('${A:+set}|${EMPTY:+set}|${EMPTY+set}|${UNSET+set}', vars)).toBe('set||set|');
    expect(interpolate('${JSON}', vars)).toBe('[{"x":1}]');
    expect(interpolate('cost: $5', vars)).toBe('cost: $5');
  });

  it('stops on a required variable that is missing, with its message', () => {
    expect(() => interpolate('${EMPTY:?set EMPTY in .env}', vars, 'services.x')).toThrow(
      new InterpolationError('services.x: EMPTY: set EMPTY in .env'),
    );
    expect(interpolate('${EMPTY?never}', vars)).toBe('');
    expect(() => interpolate('${UNSET?}', vars)).toThrow(/UNSET: not set/);
    expect(() => interpolate('${A', vars)).toThrow(/unclosed/);
    expect(() => interpolate('${A:x}', vars)).toThrow(/not a valid substitution/);
  });

  it('lists the variables a value refers to', () => {
    expect(variablesIn('postgres://u:${PW:?x}@h/${DB:-d}/$$NOT/$OTHER')).toEqual(['PW', 'DB', 'OTHER']);
  });
});

describe('parseEnvFile', () => {
  it('reads values as compose does', () => {
    const text = [
      '# comment',
      '',
      'PLAIN=value # inline comment',
      'export SINGLE=\'{"a":"$PLAIN"} # kept\'',
      'DOUBLE="line\\nnext \\"q\\" ${PLAIN}"',
      'REF=${PLAIN}-x',
      'EMPTY=',
    ].join('\n');
    expect(parseEnvFile(text)).toEqual({
      PLAIN: 'value',
      SINGLE: '{"a":"$PLAIN"} # kept',
      DOUBLE: 'line\nnext "q" value',
      REF: 'value-x',
      EMPTY: '',
    });
  });

  it('names the line it cannot read', () => {
    expect(() => parseEnvFile('A=1\nnot a line', 'x.env')).toThrow('x.env:2: expected KEY=VALUE');
  });
});
