// Local copies of lake files for DuckDB (which cannot read hdfs://): downloaded through WebHDFS, a
// few at a time, into <dir>/<HDFS path> (so .../events/dt=.../hour=.../, the Hive layout DuckDB
// reads the partition columns from, and two lake roots never share a file). A copy is reused while the file's size and modification time are unchanged, so
// a backfill downloads each day once although every day reads its neighbours too.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import type { LakeFile } from './lake-files.ts';

export class LocalLake {
  readonly #hdfs: WebHdfsClient;
  readonly #dir: string;
  readonly #concurrency: number;
  readonly #have = new Map<string, string>();
  /** Bytes downloaded so far (for progress and the manifest). */
  downloadedBytes = 0;

  constructor(hdfs: WebHdfsClient, dir: string, concurrency = 4) {
    this.#hdfs = hdfs;
    this.#dir = dir;
    this.#concurrency = concurrency;
  }

  /** Local paths of the files, downloading those not here yet. */
  async localPaths(files: readonly LakeFile[]): Promise<string[]> {
    const todo = files.filter((f) => this.#have.get(f.path) !== stamp(f));
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const file = todo[next++] as LakeFile;
        const local = this.localPathOf(file);
        mkdirSync(dirname(local), { recursive: true });
        const data = await this.#hdfs.open(file.path);
        writeFileSync(local, data);
        this.downloadedBytes += data.byteLength;
        this.#have.set(file.path, stamp(file));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, todo.length) }, worker));
    return files.map((f) => this.localPathOf(f));
  }

  localPathOf(file: LakeFile): string {
    return join(this.#dir, file.path);
  }

  /** Drops the local copies of these files. */
  forget(files: readonly LakeFile[]): void {
    for (const f of files) {
      rmSync(this.localPathOf(f), { force: true });
      this.#have.delete(f.path);
    }
  }

  /** Drops every local copy except these (a backfill moves on to later days). */
  keepOnly(files: readonly LakeFile[]): void {
    const wanted = new Set(files.map((f) => f.path));
    for (const path of [...this.#have.keys()]) {
      if (wanted.has(path)) continue;
      rmSync(join(this.#dir, path), { force: true });
      this.#have.delete(path);
    }
  }
}

const stamp = (f: LakeFile) => `${f.bytes}:${f.modified}`;
