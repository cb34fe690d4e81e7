// The size budget (sdk/size-budget.json, gzip bytes) of the script-tag artifacts, checked on every
// test run. The table is printed so CI logs show the sizes.
import { expect, it } from 'vitest';
import { measureSizes } from './build.ts';

it('script-tag artifacts stay within their gzip budgets', async () => {
  const rows = await measureSizes();
  console.log(
    rows
      .map(
        (r) =>
          `${r.file.padEnd(26)} ${r.bytes} B min, ${r.gzip} B gzip${r.budget ? ` (budget ${r.budget})` : ''}`,
      )
      .join('\n'),
  );
  const budgeted = rows.filter((r) => r.budget !== undefined);
  expect(budgeted.map((r) => r.file).sort()).toEqual(['clickstream-ecommerce.js', 'clickstream.js']);
  for (const r of budgeted) expect(r.gzip, r.file).toBeLessThanOrEqual(r.budget as number);
}, 30_000);
