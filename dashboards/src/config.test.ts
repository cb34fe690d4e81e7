import { readInfraConfig } from '@clickstream/infra';
import { describe, expect, it } from 'vitest';
import { isLoopback, readDashboardsConfig, sqlalchemyUrl, supersetUrl } from './config.ts';

const infra = readInfraConfig({ INFRA_DIR: '/tmp/instance' });

describe('readDashboardsConfig', () => {
  it('defaults to the local demo: 127.0.0.1:8088, admin/admin, the instance PostgreSQL', () => {
    const c = readDashboardsConfig(infra, {});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8088, adminUser: 'admin', adminPassword: 'admin' });
    expect(c.stateDir).toBe('/tmp/instance/superset');
    expect(c.postgresUrl).toBe('postgres://clickstream:clickstream@127.0.0.1:5432/clickstream');
    expect(supersetUrl(c)).toBe('http://127.0.0.1:8088');
  });

  it('refuses the default admin password when Superset listens beyond loopback', () => {
    expect(() => readDashboardsConfig(infra, { SUPERSET_HOST: '0.0.0.0' })).toThrow(
      /SUPERSET_ADMIN_PASSWORD/,
    );
    expect(() =>
      readDashboardsConfig(infra, { SUPERSET_HOST: '10.0.0.5', SUPERSET_ADMIN_PASSWORD: 'admin' }),
    ).toThrow(/refused/);
    expect(
      readDashboardsConfig(infra, { SUPERSET_HOST: '0.0.0.0', SUPERSET_ADMIN_PASSWORD: 's3cret!' }).host,
    ).toBe('0.0.0.0');
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.1.2', '::', 'example.com'].some(isLoopback)).toBe(false);
  });

  it('says in one line what is wrong with a value', () => {
    expect(() => readDashboardsConfig(infra, { SUPERSET_PORT: 'http' })).toThrow(
      /SUPERSET_PORT=http is not a port/,
    );
    expect(() => readDashboardsConfig(infra, { POSTGRES_URL: 'mysql://x' })).toThrow(/postgres:\/\//);
    expect(() => readDashboardsConfig(infra, { SUPERSET_VENV_DIR: '/tmp/instance/venv' })).toThrow(
      /inside the instance/,
    );
  });

  it("gives Superset PostgreSQL's URL with the psycopg2 driver", () => {
    expect(sqlalchemyUrl('postgres://u:p@127.0.0.1:5432/db')).toBe(
      'postgresql+psycopg2://u:p@127.0.0.1:5432/db',
    );
    expect(sqlalchemyUrl('postgresql://u:p@h/db')).toBe('postgresql+psycopg2://u:p@h/db');
  });
});
