// The npm artifacts work as published: the CommonJS build loads in Node with every function, and a
// TypeScript consumer type-checks against the generated .d.ts files alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, expect, it } from 'vitest';
import { buildAll } from './build.ts';

const dir = mkdtempSync(join(tmpdir(), 'sdk-dist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('builds ESM, CJS and .d.ts that a consumer can use', async () => {
  const files = await buildAll();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const cjs = createRequire(import.meta.url)(join(dir, 'index.cjs')) as Record<string, unknown>;
  for (const fn of ['init', 'page', 'track', 'identify', 'reset', 'optOut', 'optIn', 'flush']) {
    expect(typeof cjs[fn], fn).toBe('function');
  }
  expect(files['index.mjs']).toMatch(/export\s*\{/);
  expect(JSON.parse(files['package.json'] ?? '{}')).toMatchObject({
    name: '@clickstream/sdk',
    exports: { '.': { import: './index.mjs', require: './index.cjs', types: './index.d.ts' } },
  });

  const consumer = join(dir, 'consumer.ts');
  writeFileSync(
    consumer,
    `import { init, track, type InitOptions } from './index.js';
import { ecommerce } from './ecommerce.js';
const options: InitOptions = { writeKey: 'k', endpoint: 'https://c.example', autocapture: false };
init(options);
track('Signed Up', { plan: 'pro' });
ecommerce(track).orderCompleted({ order_id: 'o1', revenue: 10, currency: 'EUR', products: [] });
// @ts-expect-error the write key is required
init({ endpoint: 'x' });
`,
  );
  const program = ts.createProgram([consumer], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(problems).toEqual([]);
}, 60_000);
