// Builds the SDK's artifacts with esbuild (and the TypeScript compiler for the .d.ts files):
//   clickstream.js            script tag (IIFE, minified): tracker, SPA page views, autocapture
//   clickstream-ecommerce.js  script tag add-on: the e-commerce helpers (clickstream.ecommerce)
//   index.mjs / index.cjs     npm entry (ESM / CommonJS) + index.d.ts, types.d.ts
//   ecommerce.mjs / .cjs      npm e-commerce helpers + ecommerce.d.ts
//   package.json              the publishable package (sdk/dist is what `npm publish` ships)
// `npm run build -w sdk` writes them to sdk/dist; the demo shop and the tests build in memory.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import ts from 'typescript';

const src = (file: string) => fileURLToPath(new URL(`./${file}`, import.meta.url));

export const SIZE_BUDGET_FILE = fileURLToPath(new URL('../size-budget.json', import.meta.url));

const bundle = (entry: string, options: BuildOptions) => bundleFile(src(entry), options);

/**
 * Bundles one entry file for the browser (minified, es2020; an IIFE unless `options` say otherwise).
 * Also for pages that import the npm entry, as an app's bundler would (the demo shop's guide).
 */
export async function bundleFile(path: string, options: BuildOptions = { format: 'iife' }): Promise<string> {
  const result = await build({
    entryPoints: [path],
    bundle: true,
    minify: true,
    target: 'es2020',
    write: false,
    legalComments: 'none',
    ...options,
  });
  return result.outputFiles?.[0]?.text ?? '';
}

/** The script-tag bundle (IIFE, minified). */
export const buildScriptTag = (): Promise<string> => bundle('script-tag.ts', { format: 'iife' });

/** The e-commerce add-on for the script tag. */
export const buildEcommerceScript = (): Promise<string> => bundle('ecommerce-script.ts', { format: 'iife' });

/** Every artifact, by file name. */
export async function buildAll(): Promise<Record<string, string>> {
  const lib = (entry: string, format: 'esm' | 'cjs') =>
    bundle(entry, { format, minify: false, platform: 'browser' });
  return {
    'clickstream.js': await buildScriptTag(),
    'clickstream-ecommerce.js': await buildEcommerceScript(),
    'index.mjs': await lib('index.ts', 'esm'),
    'index.cjs': await lib('index.ts', 'cjs'),
    'ecommerce.mjs': await lib('ecommerce.ts', 'esm'),
    'ecommerce.cjs': await lib('ecommerce.ts', 'cjs'),
    ...declarations(['index.ts', 'ecommerce.ts']),
    'package.json': packageJson(),
  };
}

/** .d.ts files of the public entries (they import only ./types, which has no imports). */
function declarations(entries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const program = ts.createProgram(entries.map(src), {
    declaration: true,
    emitDeclarationOnly: true,
    allowImportingTsExtensions: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    skipLibCheck: true,
    types: [],
  });
  program.emit(undefined, (fileName, text) => {
    const name = fileName.split('/').pop() as string;
    if (['index.d.ts', 'ecommerce.d.ts', 'types.d.ts'].includes(name)) {
      out[name] = text.replace(/from '(\.\/[^']+)\.ts'/g, "from '$1.js'");
    }
  });
  return out;
}

function packageJson(): string {
  const own = JSON.parse(readFileSync(src('../package.json'), 'utf8')) as { version: string };
  const entry = (name: string) => ({
    types: `./${name}.d.ts`,
    import: `./${name}.mjs`,
    require: `./${name}.cjs`,
  });
  return `${JSON.stringify(
    {
      name: '@clickstream/sdk',
      version: own.version,
      description: 'Browser SDK of the clickstream pipeline: small, batched, retried, never loses an event',
      license: 'MIT',
      type: 'module',
      main: './index.cjs',
      module: './index.mjs',
      types: './index.d.ts',
      exports: { '.': entry('index'), './ecommerce': entry('ecommerce') },
      sideEffects: false,
    },
    null,
    2,
  )}\n`;
}

export interface SizeRow {
  readonly file: string;
  readonly bytes: number;
  readonly gzip: number;
  readonly budget?: number;
}

/** Minified and gzipped sizes of the browser artifacts, beside their budgets (gzip bytes). */
export async function measureSizes(): Promise<SizeRow[]> {
  const budget = JSON.parse(readFileSync(SIZE_BUDGET_FILE, 'utf8')) as Record<string, number>;
  const files: Record<string, string> = {
    'clickstream.js': await buildScriptTag(),
    'clickstream-ecommerce.js': await buildEcommerceScript(),
    // What an app's bundler adds when it imports the npm entries (minified).
    'index.mjs (minified)': await bundle('index.ts', { format: 'esm' }),
    'ecommerce.mjs (minified)': await bundle('ecommerce.ts', { format: 'esm' }),
  };
  return Object.entries(files).map(([file, text]) => ({
    file,
    bytes: Buffer.byteLength(text),
    gzip: gzipSync(text, { level: 9 }).length,
    ...(budget[file] !== undefined ? { budget: budget[file] } : {}),
  }));
}

// `npm run build -w sdk`: write dist/ and print the sizes.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dist = fileURLToPath(new URL('../dist', import.meta.url));
  mkdirSync(dist, { recursive: true });
  for (const [name, text] of Object.entries(await buildAll())) writeFileSync(join(dist, name), text);
  console.log(`sdk: wrote ${dist}`);
  for (const r of await measureSizes()) {
    console.log(
      `  ${r.file.padEnd(26)} ${String(r.bytes).padStart(6)} B  ${String(r.gzip).padStart(5)} B gzip` +
        (r.budget ? `  (budget ${r.budget} B)` : ''),
    );
  }
}
