import { describe, expect, it } from 'vitest';
import { COMPOSE_FILE, exampleVariables, loadCompose } from './compose-file.ts';
import { mapEnvironment, nodeArgv, publishedPortMap } from './run-as-compose.ts';

describe('the address map of a compose run on one machine', () => {
  const model = loadCompose([COMPOSE_FILE], exampleVariables());
  const published = publishedPortMap(model, ['collector', 'shop'], [41001, 41002]);

  it('gives each published port a free one, by service name and by public host', () => {
    expect(published.listenPorts).toEqual({ collector: { 8081: 41001 }, shop: { 8080: 41002 } });
    expect(published.hostPorts).toEqual({
      'collector:8081': '127.0.0.1:41001',
      'localhost:8081': '127.0.0.1:41001',
      'shop:8080': '127.0.0.1:41002',
      'localhost:8080': '127.0.0.1:41002',
    });
  });

  it('rewrites addresses in every form compose writes them, and nothing else', () => {
    const map = {
      hostPorts: {
        ...published.hostPorts,
        'kafka:9092': '127.0.0.1:39092',
        'postgres:5432': '127.0.0.1:35432',
        'namenode:9870': '127.0.0.1:39870',
      },
      listenPorts: published.listenPorts,
      tmpDir: '/work/tmp',
    };
    const env = {
      COLLECTOR_HOST: '0.0.0.0',
      COLLECTOR_PORT: '8081',
      KAFKA_BROKERS: 'kafka:9092,kafka-2:9092',
      POSTGRES_URL: 'postgres://u:p@postgres:5432/clickstream',
      WEBHDFS_URL: 'http://namenode:9870',
      COLLECTOR_SITES: '[{"origins":["http://localhost:8080"]}]',
      COLLECTOR_URL: 'http://localhost:8081',
      PROCESSOR_HEARTBEAT_FILE: '/tmp/processor.heartbeat',
      OTHER: 'kafka:90921',
      SHOP_PORT: '8080',
      SUPERSET_HOST: 'postgres',
      NOT_A_HOST: 'postgresql',
    };
    expect(mapEnvironment({ service: 'collector', target: 'collector', env }, map)).toEqual({
      COLLECTOR_HOST: '127.0.0.1',
      COLLECTOR_PORT: '41001',
      KAFKA_BROKERS: '127.0.0.1:39092,kafka-2:9092',
      POSTGRES_URL: 'postgres://u:p@127.0.0.1:35432/clickstream',
      WEBHDFS_URL: 'http://127.0.0.1:39870',
      COLLECTOR_SITES: '[{"origins":["http://127.0.0.1:41002"]}]',
      COLLECTOR_URL: 'http://127.0.0.1:41001',
      PROCESSOR_HEARTBEAT_FILE: '/work/tmp/processor.heartbeat',
      OTHER: 'kafka:90921',
      // Another service's port is not the collector's to listen on.
      SHOP_PORT: '8080',
      SUPERSET_HOST: '127.0.0.1',
      NOT_A_HOST: 'postgresql',
    });
  });

  it("runs `node` commands on this machine's Node, with tsx where Node cannot strip types", () => {
    const argv = nodeArgv(['node', 'collector/src/server.ts']);
    expect(argv[0]).toBe(process.execPath);
    expect(argv.at(-1)).toBe('collector/src/server.ts');
    expect(() => nodeArgv(['python', 'x.py'])).toThrow(/expected a node command/);
  });
});
