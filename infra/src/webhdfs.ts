// The thin WebHDFS client every service uses, on Node's `fetch`. Writes are two steps: ask the
// NameNode where to write (`noredirect=true` returns the DataNode URL as JSON), then send the bytes
// to that DataNode. `RemoteException` bodies become typed errors that say whether a retry can help.

import { request as httpRequest } from 'node:http';
import { causeCode } from './errors.ts';

export interface FileStatus {
  readonly pathSuffix: string;
  readonly type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  readonly length: number;
  readonly modificationTime: number;
  readonly accessTime: number;
  readonly permission: string;
  readonly owner: string;
  readonly group: string;
  readonly replication: number;
  readonly blockSize: number;
}

/** Any failure of a WebHDFS call. `retriable` says whether the same call may succeed later. */
export class HdfsError extends Error {
  override name = 'HdfsError';
  readonly op: string;
  readonly path: string;
  readonly retriable: boolean;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Java exception's simple name from the RemoteException body, e.g. `FileNotFoundException`. */
  readonly exception: string | undefined;
  // Plain fields, not parameter properties: production images run the sources with Node's type
  // stripping, which only erases types (tsconfig's erasableSyntaxOnly keeps it that way).
  constructor(
    message: string,
    op: string,
    path: string,
    retriable: boolean,
    status?: number,
    exception?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.op = op;
    this.path = path;
    this.retriable = retriable;
    this.status = status;
    this.exception = exception;
  }
}
export class HdfsNotFoundError extends HdfsError {
  override name = 'HdfsNotFoundError';
}
export class HdfsAlreadyExistsError extends HdfsError {
  override name = 'HdfsAlreadyExistsError';
}
export class HdfsAccessDeniedError extends HdfsError {
  override name = 'HdfsAccessDeniedError';
}
/** The NameNode is in safe mode or asked for a retry: try again later. */
export class HdfsSafeModeError extends HdfsError {
  override name = 'HdfsSafeModeError';
}
/** The service could not be reached or failed without a RemoteException: try again later. */
export class HdfsUnavailableError extends HdfsError {
  override name = 'HdfsUnavailableError';
}

type ErrorClass = new (...args: ConstructorParameters<typeof HdfsError>) => HdfsError;
const BY_EXCEPTION: Record<string, [ErrorClass, boolean]> = {
  FileNotFoundException: [HdfsNotFoundError, false],
  FileAlreadyExistsException: [HdfsAlreadyExistsError, false],
  AlreadyBeingCreatedException: [HdfsAlreadyExistsError, true],
  AccessControlException: [HdfsAccessDeniedError, false],
  SecurityException: [HdfsAccessDeniedError, false],
  SafeModeException: [HdfsSafeModeError, true],
  RetriableException: [HdfsSafeModeError, true],
  StandbyException: [HdfsUnavailableError, true],
};

export interface WebHdfsOptions {
  /** NameNode HTTP address, e.g. `http://127.0.0.1:9870`. */
  readonly url: string;
  /** Sent as `user.name` (simple authentication). */
  readonly user: string;
  /** Per-request timeout (default 30 s). */
  readonly timeoutMs?: number;
  /** Injected for tests of pure logic; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

type Body = Uint8Array | string;

export class WebHdfsClient {
  readonly #base: string;
  readonly #user: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(opts: WebHdfsOptions) {
    this.#base = opts.url.replace(/\/+$/, '');
    this.#user = opts.user;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#fetch = opts.fetch ?? fetch;
  }

  /** Writes a new file (or replaces it when `overwrite`). Parent folders are created. */
  async create(
    path: string,
    data: Body,
    opts: { overwrite?: boolean; permission?: string } = {},
  ): Promise<void> {
    const params: Record<string, string> = { overwrite: String(opts.overwrite ?? false) };
    if (opts.permission) params.permission = opts.permission;
    await this.#write('PUT', 'CREATE', path, params, data, 201);
  }

  /** Appends bytes to an existing file. */
  async append(path: string, data: Body): Promise<void> {
    await this.#write('POST', 'APPEND', path, {}, data, 200);
  }

  /** Creates a folder and its parents; true when it exists afterwards. */
  async mkdirs(path: string, permission?: string): Promise<boolean> {
    const res = await this.#call(
      'PUT',
      'MKDIRS',
      path,
      this.#url('MKDIRS', path, permission ? { permission } : {}),
    );
    return ((await res.json()) as { boolean: boolean }).boolean;
  }

  /**
   * Moves `from` to `to` (atomic on HDFS). With `overwrite`, an existing file at `to` is replaced
   * in the same atomic step. WebHDFS answers `false` instead of an error when the source is missing
   * or the destination exists; this throws then, so a failed rename is never mistaken for a
   * durable write.
   */
  async rename(from: string, to: string, opts: { overwrite?: boolean } = {}): Promise<void> {
    const params: Record<string, string> = { destination: checkPath(to) };
    if (opts.overwrite) params.renameoptions = 'OVERWRITE';
    const res = await this.#call('PUT', 'RENAME', from, this.#url('RENAME', from, params));
    // With rename options HDFS uses the newer rename, which answers with an empty body or throws.
    const text = await res.text();
    const renamed = text === '' || (JSON.parse(text) as { boolean?: boolean }).boolean !== false;
    if (!renamed) {
      const target = await this.exists(to);
      const Cls = target ? HdfsAlreadyExistsError : HdfsNotFoundError;
      const why = target
        ? `destination ${to} already exists`
        : `source ${from} does not exist or ${to}'s parent is missing`;
      throw new Cls(`RENAME ${from} -> ${to} failed: ${why}`, 'RENAME', from, false);
    }
  }

  async listStatus(path: string): Promise<FileStatus[]> {
    const res = await this.#call('GET', 'LISTSTATUS', path, this.#url('LISTSTATUS', path));
    return ((await res.json()) as { FileStatuses: { FileStatus: FileStatus[] } }).FileStatuses.FileStatus;
  }

  async getFileStatus(path: string): Promise<FileStatus> {
    const res = await this.#call('GET', 'GETFILESTATUS', path, this.#url('GETFILESTATUS', path));
    return ((await res.json()) as { FileStatus: FileStatus }).FileStatus;
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.getFileStatus(path);
      return true;
    } catch (err) {
      if (err instanceof HdfsNotFoundError) return false;
      throw err;
    }
  }

  /** Reads a whole file, or `length` bytes from `offset`. */
  async open(path: string, opts: { offset?: number; length?: number } = {}): Promise<Uint8Array> {
    const params: Record<string, string> = {};
    if (opts.offset !== undefined) params.offset = String(opts.offset);
    if (opts.length !== undefined) params.length = String(opts.length);
    // The NameNode redirects to a DataNode; fetch follows it.
    const res = await this.#call('GET', 'OPEN', path, this.#url('OPEN', path, params));
    return new Uint8Array(await res.arrayBuffer());
  }

  /** Deletes a file or folder; false when there was nothing to delete. */
  async delete(path: string, opts: { recursive?: boolean } = {}): Promise<boolean> {
    const url = this.#url('DELETE', path, { recursive: String(opts.recursive ?? false) });
    const res = await this.#call('DELETE', 'DELETE', path, url);
    return ((await res.json()) as { boolean: boolean }).boolean;
  }

  #url(op: string, path: string, params: Record<string, string> = {}): string {
    const encoded = checkPath(path).split('/').map(encodeURIComponent).join('/');
    const query = new URLSearchParams({ op, 'user.name': this.#user, ...params });
    return `${this.#base}/webhdfs/v1${encoded}?${query}`;
  }

  /**
   * Both steps of a write. A stopped DataNode stays in the NameNode's list until its heartbeats are
   * missed for long enough, and the NameNode keeps naming it meanwhile. So when the DataNode named
   * refuses the connection (no byte of the write reached it, so nothing was created), the NameNode
   * is asked again with that DataNode excluded (WebHDFS's `excludedatanodes`), up to
   * MAX_EXCLUDED_DATANODES times; every other failure is thrown as it is.
   */
  async #write(
    method: string,
    op: string,
    path: string,
    params: Record<string, string>,
    data: Body,
    expect: number,
  ): Promise<void> {
    const excluded: string[] = [];
    for (;;) {
      const asked = excluded.length > 0 ? { ...params, excludedatanodes: excluded.join(',') } : params;
      const location = await this.#locate(method, op, path, asked);
      try {
        return await this.#sendToDataNode(method, op, path, location, data, expect);
      } catch (err) {
        if (!refused(err) || excluded.length >= MAX_EXCLUDED_DATANODES) throw err;
        const node = await this.#transferAddressOf(location).catch(() => undefined);
        if (node === undefined || excluded.includes(node)) throw err;
        excluded.push(node);
      }
    }
  }

  /**
   * The transfer address (`host:port`, what `excludedatanodes` takes) of the DataNode whose HTTP
   * address is in `location`, from the NameNode's list of live DataNodes (its JMX bean).
   */
  async #transferAddressOf(location: string): Promise<string | undefined> {
    const { hostname, port } = new URL(location);
    const res = await this.#fetch(`${this.#base}/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo`, {
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    if (!res.ok) return undefined;
    const beans = ((await res.json()) as { beans?: Array<{ LiveNodes?: string }> }).beans;
    const live = JSON.parse(beans?.[0]?.LiveNodes ?? '{}') as Record<
      string,
      { infoAddr?: string; xferaddr?: string }
    >;
    const nodes = Object.values(live).filter((n) => n.infoAddr && n.xferaddr);
    const samePort = nodes.filter((n) => n.infoAddr?.split(':').at(-1) === port);
    // One DataNode per host in a deployment; several on one host (tests) differ by port.
    const match =
      samePort.length === 1 ? samePort[0] : samePort.find((n) => n.infoAddr?.split(':')[0] === hostname);
    return match?.xferaddr;
  }

  /** Step one of a write: the NameNode names the DataNode URL to send the bytes to. */
  async #locate(method: string, op: string, path: string, params: Record<string, string>): Promise<string> {
    const res = await this.#call(method, op, path, this.#url(op, path, { ...params, noredirect: 'true' }));
    const location = ((await res.json()) as { Location?: string }).Location;
    if (!location) throw new HdfsUnavailableError(`${op} ${path}: NameNode gave no Location`, op, path, true);
    return location;
  }

  async #call(method: string, op: string, path: string, url: string): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(url, { method, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      throw unreachable(op, path, err);
    }
    if (res.ok) return res;
    throw toError(res.status, await res.text().catch(() => ''), op, path);
  }

  /**
   * Step two of a write: send the bytes to the DataNode. Uses node:http rather than fetch because
   * the DataNode answers every write with an unrequested `100 Continue` before the real status,
   * which fetch (undici) rejects as a bad response; node:http skips informational responses.
   */
  #sendToDataNode(
    method: string,
    op: string,
    path: string,
    url: string,
    body: Body,
    expect: number,
  ): Promise<void> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method,
          headers: { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength },
          signal: AbortSignal.timeout(this.#timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(unreachable(op, path, err)));
          res.on('end', () => {
            if (res.statusCode === expect) return resolve();
            reject(toError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), op, path));
          });
        },
      );
      req.on('error', (err) => reject(unreachable(op, path, err)));
      req.end(bytes);
    });
  }
}

/** DataNodes a write excludes at most, one after another, before it gives up. */
const MAX_EXCLUDED_DATANODES = 3;

/** The connection to a DataNode was never made: nothing of the request reached it. */
function refused(err: unknown): boolean {
  return ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(
    causeCode(err) ?? '',
  );
}

function checkPath(path: string): string {
  if (!path.startsWith('/')) throw new TypeError(`HDFS paths must be absolute: ${JSON.stringify(path)}`);
  return path;
}

function unreachable(op: string, path: string, err: unknown): HdfsUnavailableError {
  const why =
    err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return new HdfsUnavailableError(
    `${op} ${path}: cannot reach WebHDFS (${why})`,
    op,
    path,
    true,
    undefined,
    undefined,
    {
      cause: err,
    },
  );
}

function toError(status: number, text: string, op: string, path: string): HdfsError {
  let remote: { exception?: string; message?: string; javaClassName?: string } | undefined;
  try {
    remote = (JSON.parse(text) as { RemoteException?: typeof remote }).RemoteException;
  } catch {
    remote = undefined;
  }
  if (remote?.exception) {
    const [Cls, retriable] = BY_EXCEPTION[remote.exception] ?? [HdfsError, status >= 500];
    const message = `${op} ${path}: ${remote.exception}: ${(remote.message ?? '').split('\n')[0]}`;
    return new Cls(message, op, path, retriable, status, remote.exception);
  }
  const retriable = status >= 500 || status === 429;
  const Cls = retriable ? HdfsUnavailableError : HdfsError;
  return new Cls(`${op} ${path}: HTTP ${status} ${text.slice(0, 200)}`.trim(), op, path, retriable, status);
}
