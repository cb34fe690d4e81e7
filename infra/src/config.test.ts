import { describe, expect, it } from 'vitest';
import { DEFAULTS, endpointsOf, readInfraConfig } from './config.ts';

describe('readInfraConfig: PostgreSQL', () => {
  it('defaults: port 5432, nobody when root', () => {
    const config = readInfraConfig({});
    expect(config.postgresPort).toBe(5432);
    expect(config.postgresOsUser).toBe('nobody');
    expect(DEFAULTS.postgresPort).toBe(5432);
  });

  it('reads POSTGRES_PORT and POSTGRES_OS_USER', () => {
    const config = readInfraConfig({ POSTGRES_PORT: '15432', POSTGRES_OS_USER: 'pgrunner' });
    expect(config.postgresPort).toBe(15432);
    expect(config.postgresOsUser).toBe('pgrunner');
  });

  it('an empty variable means the default', () => {
    expect(readInfraConfig({ POSTGRES_PORT: '', POSTGRES_OS_USER: '' })).toMatchObject({
      postgresPort: 5432,
      postgresOsUser: 'nobody',
    });
  });

  it.each(['postgres', '0', '70000', '5432.5', '-1'])('POSTGRES_PORT=%s is refused in one line', (raw) => {
    expect(() => readInfraConfig({ POSTGRES_PORT: raw })).toThrow(
      new RegExp(
        `^POSTGRES_PORT=${raw.replace('.', '\\.')} is not a port number; use an integer from 1 to 65535$`,
      ),
    );
  });

  it('a port shared with Kafka is refused', () => {
    expect(() => readInfraConfig({ POSTGRES_PORT: '9092' })).toThrow(/port 9092 is configured twice/);
  });

  it.each(['root', '0'])('POSTGRES_OS_USER=%s is refused: PostgreSQL will not run as root', (raw) => {
    expect(() => readInfraConfig({ POSTGRES_OS_USER: raw })).toThrow(/refuses to run as root/);
  });

  it('the endpoint is the clickstream role and database on loopback', () => {
    expect(endpointsOf(readInfraConfig({ POSTGRES_PORT: '6543' })).postgresUrl).toBe(
      'postgres://clickstream:clickstream@127.0.0.1:6543/clickstream',
    );
  });

  it('overrides (used by tests) win over the environment', () => {
    expect(readInfraConfig({ POSTGRES_PORT: '6543' }, { postgresPort: 7654 }).postgresPort).toBe(7654);
  });
});
