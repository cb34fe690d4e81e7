import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ephemeralLow, freePort, isPortFree } from './prereqs.ts';

describe('freePort', () => {
  it('hands out distinct free ports below the ephemeral range, where no outgoing connection takes them', async () => {
    const low = ephemeralLow();
    const ports = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(low);
    }
    expect(await isPortFree(ports[0]!)).toBe(true);
  });

  it('reads the low end of ip_local_port_range, and falls back to Linux default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ports-'));
    writeFileSync(join(dir, 'range'), '40000\t60999\n');
    expect(ephemeralLow(join(dir, 'range'))).toBe(40000);
    expect(ephemeralLow(join(dir, 'missing'))).toBe(32768);
  });
});
