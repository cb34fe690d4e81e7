// Real (tiny) processes: a Node that sleeps, with the marker among its arguments.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  addOnProcesses,
  type ManagedProcess,
  managedProcess,
  runningPid,
  startDetached,
  stopProcess,
} from './processes.ts';

const base = mkdtempSync(join(tmpdir(), 'processes-test-'));
// Exits 0 on SIGINT only: SIGTERM is ignored, like PostgreSQL's smart shutdown with a client left.
const SLEEPER = `process.on('SIGTERM', () => {}); process.on('SIGINT', () => process.exit(0)); console.log('ready'); setInterval(() => {}, 1000);`;
const ready = (p: ManagedProcess) =>
  vi.waitFor(() => expect(readFileSync(p.logFile, 'utf8')).toContain('ready'), { timeout: 5_000 });

describe('managed processes', () => {
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('the marker matches a whole argument, so instance a never claims instance ab', async () => {
    const kind = { markerPrefix: '', stopSignals: ['SIGINT'] as const };
    const ab = managedProcess('sleeper', join(base, 'ab'), kind);
    const pid = startDetached(ab, process.execPath, ['-e', SLEEPER, ab.marker]);
    await ready(ab);
    expect(runningPid(ab)).toBe(pid);

    // a's pid file names ab's process (say the pid was recycled): a must not take it for its own,
    // although a's marker is a prefix of ab's.
    const a = managedProcess('sleeper', join(base, 'a'), kind);
    expect(ab.marker.startsWith(a.marker)).toBe(true);
    mkdirSync(join(base, 'a', 'run'), { recursive: true });
    writeFileSync(a.pidFile, `${pid}\n`);
    expect(runningPid(a)).toBeNull();

    expect(await stopProcess(ab, 5_000)).toBe(true);
    expect(runningPid(ab)).toBeNull();
    expect(await stopProcess(ab)).toBe(false);
  });

  it('stop signals are tried in turn before SIGKILL', async () => {
    const p = managedProcess('stubborn', join(base, 's'), { markerPrefix: '', stopSignals: ['SIGTERM'] });
    const pid = startDetached(p, process.execPath, ['-e', SLEEPER, p.marker]);
    await ready(p);
    const t0 = performance.now();
    expect(await stopProcess(p, 500)).toBe(true);
    // SIGTERM was ignored, so SIGKILL after the grace period ended it.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
    // Gone, not just dying (a zombie answers kill 0 until Node reaps it).
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(), { timeout: 5_000 });
  });

  it('finds the processes other packages started in the instance, and stops them', async () => {
    const dir = join(base, 'addon');
    // Like Superset: a Python-style `-X` marker, stopped by SIGTERM.
    const addon = managedProcess('addon', dir, { markerPrefix: '-X', stopSignals: ['SIGTERM'] });
    const pid = startDetached(addon, process.execPath, [
      '-e',
      "console.log('ready'); setInterval(() => {}, 1000);",
      '--',
      addon.marker,
    ]);
    await ready(addon);
    // A pid file of a process that does not carry the instance's marker is not ours.
    writeFileSync(join(dir, 'run', 'stranger.pid'), `${process.pid}\n`);

    const found = addOnProcesses(dir, ['kafka', 'postgres']);
    expect(found.map((p) => [p.role, p.marker])).toEqual([['addon', addon.marker]]);
    expect(addOnProcesses(dir, ['addon'])).toEqual([]);
    expect(await stopProcess(found[0]!)).toBe(true);
    expect(runningPid(found[0]!)).toBeNull();
    expect(runningPid(addon)).toBeNull();
    expect(pid).toBeGreaterThan(0);
  });

  it('refuses to start a command line without its marker', () => {
    const p = managedProcess('unmarked', join(base, 'u'));
    expect(() => startDetached(p, process.execPath, ['-e', '0'])).toThrow(/lacks its marker/);
  });
});
