// A small client of Superset's REST API: log in (JWT), CSRF token with its session cookie (every
// mutating call needs both), import a bundle, list dashboards and their charts, ask for chart data.
import { causeCode, InfraError } from '@clickstream/infra';

export interface DashboardInfo {
  readonly id: number;
  readonly title: string;
  readonly slug: string | null;
  /** Absolute URL of the dashboard page. */
  readonly url: string;
}

export interface ChartInfo {
  readonly id: number;
  readonly title: string;
  readonly vizType: string;
  readonly formData: Record<string, unknown>;
}

export interface ChartResult {
  readonly colnames: string[];
  readonly data: Record<string, unknown>[];
  readonly rowcount: number;
  readonly error?: string | null;
}

export class SupersetClient {
  private csrf: { token: string; cookie: string } | undefined;
  readonly baseUrl: string;
  private readonly accessToken: string;

  // Plain fields, not parameter properties: the images run the sources with Node's type stripping.
  private constructor(baseUrl: string, accessToken: string) {
    this.baseUrl = baseUrl;
    this.accessToken = accessToken;
  }

  /** Logs in with a database user (`POST /api/v1/security/login`). */
  static async login(baseUrl: string, username: string, password: string): Promise<SupersetClient> {
    const res = await fetch(`${baseUrl}/api/v1/security/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password, provider: 'db', refresh: false }),
    });
    if (res.status === 401) {
      throw new InfraError(
        `Superset at ${baseUrl} refused the login of '${username}'; check SUPERSET_ADMIN_USER and SUPERSET_ADMIN_PASSWORD`,
      );
    }
    const body = (await expectOk(res, 'log in')) as { access_token: string };
    return new SupersetClient(baseUrl, body.access_token);
  }

  private async csrfHeaders(): Promise<Record<string, string>> {
    if (!this.csrf) {
      const res = await fetch(`${this.baseUrl}/api/v1/security/csrf_token/`, { headers: this.auth() });
      const body = (await expectOk(res, 'get a CSRF token')) as { result: string };
      // The token is bound to the session cookie that came with it.
      const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      this.csrf = { token: body.result, cookie };
    }
    return { 'X-CSRFToken': this.csrf.token, cookie: this.csrf.cookie, referer: this.baseUrl };
  }

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.accessToken}` };
  }

  /**
   * A GET is safe to send again: when the connection it went out on was closed under it (a
   * keep-alive connection the server had just closed), it is retried once on a new one.
   */
  async get(path: string): Promise<unknown> {
    const send = () => fetch(`${this.baseUrl}${path}`, { headers: this.auth() });
    let res: Response;
    try {
      res = await send();
    } catch (err) {
      if (!closedUnderUs(err)) throw err;
      res = await send();
    }
    return expectOk(res, `GET ${path}`);
  }

  async post(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...this.auth(), ...(await this.csrfHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return expectOk(res, `POST ${path}`);
  }

  async postForm(path: string, form: FormData): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...this.auth(), ...(await this.csrfHeaders()) },
      body: form,
    });
    return expectOk(res, `POST ${path}`);
  }

  /**
   * Imports a bundle (ZIP) through `/api/v1/assets/import/`, which replaces the databases, datasets,
   * charts and dashboards it holds. (The dashboard import's overwrite replaces only the dashboards
   * in 6.1.0: changed charts and datasets would keep their old definitions.)
   */
  async importBundle(zip: Uint8Array, fileName = 'bundle.zip'): Promise<void> {
    const form = new FormData();
    form.append('bundle', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), fileName);
    await this.postForm('/api/v1/assets/import/', form);
  }

  async put(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'PUT',
      headers: { ...this.auth(), ...(await this.csrfHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return expectOk(res, `PUT ${path}`);
  }

  async dashboards(): Promise<DashboardInfo[]> {
    const q = encodeURIComponent('(page_size:100)');
    const body = (await this.get(`/api/v1/dashboard/?q=${q}`)) as {
      result: { id: number; dashboard_title: string; slug: string | null; url: string }[];
    };
    return body.result.map((d) => ({
      id: d.id,
      title: d.dashboard_title,
      slug: d.slug,
      url: `${this.baseUrl}${d.url}`,
    }));
  }

  /** The charts placed on a dashboard, with their saved form data. */
  async dashboardCharts(idOrSlug: number | string): Promise<ChartInfo[]> {
    const body = (await this.get(`/api/v1/dashboard/${idOrSlug}/charts`)) as {
      result: { id: number; slice_name: string; form_data: Record<string, unknown> }[];
    };
    return body.result.map((c) => ({
      id: c.id,
      title: c.slice_name,
      vizType: String(c.form_data.viz_type),
      formData: c.form_data,
    }));
  }

  /** The id of a registered database, by name. */
  async databaseId(name: string): Promise<number> {
    const body = (await this.get('/api/v1/database/?q=(page_size:100)')) as {
      result: { id: number; database_name: string }[];
    };
    const found = body.result.find((d) => d.database_name === name);
    if (!found) throw new InfraError(`Superset at ${this.baseUrl} has no database named ${name}`);
    return found.id;
  }

  /** Uploads a CSV file into a new table (the manual path: "Upload CSV to database"). */
  async uploadCsv(
    databaseId: number,
    upload: { tableName: string; schema: string; csv: string; dateColumns?: readonly string[] },
  ): Promise<void> {
    const form = new FormData();
    form.append('file', new Blob([upload.csv], { type: 'text/csv' }), `${upload.tableName}.csv`);
    form.append('type', 'csv');
    form.append('table_name', upload.tableName);
    form.append('schema', upload.schema);
    if (upload.dateColumns?.length) form.append('column_dates', upload.dateColumns.join(','));
    await this.postForm(`/api/v1/database/${databaseId}/upload/`, form);
  }

  /** Runs a chart's saved query (`GET /api/v1/chart/<id>/data/`). */
  async chartData(id: number): Promise<ChartResult[]> {
    const body = (await this.get(`/api/v1/chart/${id}/data/`)) as { result: ChartResult[] };
    return body.result;
  }

  /** Runs any query context (`POST /api/v1/chart/data`), e.g. a chart's with a date filter applied. */
  async queryData(queryContext: unknown): Promise<ChartResult[]> {
    const body = (await this.post('/api/v1/chart/data', queryContext)) as { result: ChartResult[] };
    return body.result;
  }

  /** A chart's saved query context (JSON), or null when it has none. */
  async savedQueryContext(id: number): Promise<Record<string, unknown> | null> {
    const body = (await this.get(`/api/v1/chart/${id}`)) as { result: { query_context: string | null } };
    return body.result.query_context ? JSON.parse(body.result.query_context) : null;
  }
}

/** Whether fetch failed because the server closed the connection before it answered. */
function closedUnderUs(err: unknown): boolean {
  return ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes(causeCode(err) ?? '');
}

async function expectOk(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) {
    const detail = text.trimStart().startsWith('<')
      ? "(an HTML error page: see Superset's log)"
      : text.replace(/\s+/g, ' ').slice(0, 500);
    throw new InfraError(`Superset could not ${what}: HTTP ${res.status} ${detail}`);
  }
  return text === '' ? null : JSON.parse(text);
}
