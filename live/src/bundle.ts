// Builds the page's script and stylesheet with esbuild, in memory, when the server starts (the
// house pattern of sdk/src/build.ts): the script bundles uPlot and the shared snapshot code into one
// minified IIFE; the stylesheet inlines uPlot's CSS through its @import.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface Asset {
  readonly type: string;
  readonly body: string;
}

async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./client/${entry}`, import.meta.url))],
    bundle: true,
    minify: true,
    target: 'es2020',
    format: 'iife',
    write: false,
    legalComments: 'none',
  });
  return result.outputFiles?.[0]?.text ?? '';
}

/** The page's static files by URL path. */
export async function buildAssets(): Promise<Record<string, Asset>> {
  const [script, style] = await Promise.all([bundle('live.ts'), bundle('live.css')]);
  return {
    '/static/live.js': { type: 'text/javascript', body: script },
    '/static/live.css': { type: 'text/css', body: style },
  };
}
