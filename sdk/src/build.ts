// Builds the script-tag bundle (IIFE, minified) in memory; used by the demo shop to serve it.

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function buildScriptTag(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./script-tag.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}
