// The compose files are valid Compose: dclint (schema validation plus its lint rules, settings in
// compose/.dclintrc) on the files as written, and the compose-spec JSON schema that dclint ships on
// the files as compose resolves them (interpolated with .env.example, the override merged).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { DCLinter } from 'dclint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMPOSE_DIR, COMPOSE_FILE, exampleVariables, KAFKA_3_FILE, loadCompose } from './compose-file.ts';

const require = createRequire(import.meta.url);
const dclintDir = dirname(require.resolve('dclint/package.json'));

describe('dclint', () => {
  // dclint compiles the whole compose schema for every run (about 4 s on a busy 2-core machine).
  it('finds no problem in compose.yaml and the 3-broker override, and would catch a misspelt key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dclint-'));
    const bad = join(dir, 'compose.yaml');
    writeFileSync(
      bad,
      readFileSync(COMPOSE_FILE, 'utf8').replace('    stop_grace_period: 60s', '    stop_grace_periods: 60s'),
    );
    try {
      const { rules } = parse(readFileSync(join(COMPOSE_DIR, '.dclintrc'), 'utf8'));
      const linter = new DCLinter({ rules, quiet: false, debug: false, exclude: [] });
      const [ours, override, misspelt] = linter.lintFiles([COMPOSE_FILE, KAFKA_3_FILE, bad], false);
      expect(ours?.messages).toEqual([]);
      expect(override?.messages).toEqual([]);
      expect(misspelt?.messages.map((m: { rule: string }) => m.rule)).toEqual(['invalid-schema']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the compose-spec schema, after interpolation', () => {
  // Its $schema names draft-07 without the '#' Ajv registers it under; the schema is draft-07.
  const { $schema: _, ...schema } = JSON.parse(
    readFileSync(join(dclintDir, 'schemas', 'compose.schema.json'), 'utf8'),
  );
  const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);

  for (const [label, files] of [
    ['compose.yaml', [COMPOSE_FILE]],
    ['compose.yaml + compose.kafka-3.yaml', [COMPOSE_FILE, KAFKA_3_FILE]],
  ] as const) {
    it(`accepts ${label}`, () => {
      const model = loadCompose(files, exampleVariables());
      const ok = validate(JSON.parse(JSON.stringify(model)));
      expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
      expect(ok).toBe(true);
    });
  }
});
