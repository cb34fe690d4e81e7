import { describe, expect, it } from 'vitest';
import { checkSocketPath, firstBlockedDir } from './postgres-server.ts';

const DIR = 0o040000;
const FILE = 0o100000;
const nobody = { uid: 65534, gid: 65534 };

/** A fake file system: path -> mode and owner (root unless given). */
function fakeStat(tree: Record<string, { mode: number; uid?: number; gid?: number }>) {
  return (path: string) => {
    const entry = tree[path];
    if (!entry) throw new Error(`ENOENT ${path}`);
    return { mode: entry.mode, uid: entry.uid ?? 0, gid: entry.gid ?? 0 };
  };
}

describe('firstBlockedDir', () => {
  it('null when every folder on the way is searchable by others', () => {
    const stat = fakeStat({
      '/': { mode: DIR | 0o755 },
      '/work': { mode: DIR | 0o755 },
      '/work/pg': { mode: DIR | 0o711 },
    });
    expect(firstBlockedDir('/work/pg', nobody, stat)).toBeNull();
  });

  it("names the first folder the user may not enter (root's home)", () => {
    const stat = fakeStat({
      '/': { mode: DIR | 0o755 },
      '/root': { mode: DIR | 0o700 },
      '/root/repo': { mode: DIR | 0o755 },
    });
    expect(firstBlockedDir('/root/repo', nobody, stat)).toBe('/root');
  });

  it("uses the owner's bits for the owner and the group's bits for the group", () => {
    const owned = fakeStat({ '/': { mode: DIR | 0o755 }, '/d': { mode: DIR | 0o700, uid: 65534 } });
    expect(firstBlockedDir('/d', nobody, owned)).toBeNull();
    const ownerDenied = fakeStat({ '/': { mode: DIR | 0o755 }, '/d': { mode: DIR | 0o011, uid: 65534 } });
    expect(firstBlockedDir('/d', nobody, ownerDenied)).toBe('/d');
    const group = fakeStat({ '/': { mode: DIR | 0o755 }, '/d': { mode: DIR | 0o750, gid: 65534 } });
    expect(firstBlockedDir('/d', nobody, group)).toBeNull();
    const groupDenied = fakeStat({ '/': { mode: DIR | 0o755 }, '/d': { mode: DIR | 0o701, gid: 65534 } });
    expect(firstBlockedDir('/d', nobody, groupDenied)).toBe('/d');
  });

  it('stops at a file (only folders need the search bit)', () => {
    const stat = fakeStat({
      '/': { mode: DIR | 0o755 },
      '/bin': { mode: DIR | 0o755 },
      '/bin/postgres': { mode: FILE | 0o700 },
    });
    expect(firstBlockedDir('/bin/postgres', nobody, stat)).toBeNull();
  });
});

describe('checkSocketPath', () => {
  it('accepts a socket path of up to 107 bytes', () => {
    const dir = `/${'a'.repeat(107 - '/.s.PGSQL.5432'.length - 1)}`;
    expect(() => checkSocketPath(dir, 5432)).not.toThrow();
  });

  it('refuses a longer one in one line that says what to do', () => {
    const dir = `/${'a'.repeat(100)}`;
    expect(() => checkSocketPath(dir, 5432)).toThrow(/longer than the 107 bytes .*use a shorter INFRA_DIR$/);
  });
});
