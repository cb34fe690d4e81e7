import { describe, expect, it } from 'vitest';
import { dataNodesOf, endpointsOf, kafkaNodesOf, readInfraConfig, topologyArgs } from './config.ts';
import { hdfsReplication } from './hdfs-server.ts';
import { replicationFor } from './kafka.ts';
import { kafkaHeap, kafkaNodeVars, kafkaRole } from './kafka-server.ts';

describe('a Kafka cluster and several DataNodes by configuration', () => {
  it('defaults to one Kafka node and one DataNode', () => {
    const config = readInfraConfig({});
    expect(config.kafkaExtraNodes).toEqual([]);
    expect(config.hdfsExtraDataNodes).toEqual([]);
    expect(endpointsOf(config).kafkaBrokers).toEqual(['127.0.0.1:9092']);
  });

  it('node n listens on node 1 ports + 100 (n - 1)', () => {
    const config = readInfraConfig({ INFRA_KAFKA_BROKERS: '3', INFRA_HDFS_DATANODES: '2' });
    expect(kafkaNodesOf(config)).toEqual([
      { id: 1, ports: { broker: 9092, controller: 9093 } },
      { id: 2, ports: { broker: 9192, controller: 9193 } },
      { id: 3, ports: { broker: 9292, controller: 9293 } },
    ]);
    expect(dataNodesOf(config)).toEqual([
      { id: 1, ports: { datanode: 9866, datanodeHttp: 9864, datanodeIpc: 9867 } },
      { id: 2, ports: { datanode: 9966, datanodeHttp: 9964, datanodeIpc: 9967 } },
    ]);
    expect(endpointsOf(config).kafkaBrokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9192', '127.0.0.1:9292']);
  });

  it.each(['0', '10', '2.5', 'three', '-1'])('INFRA_KAFKA_BROKERS=%s is refused in one line', (raw) => {
    expect(() => readInfraConfig({ INFRA_KAFKA_BROKERS: raw })).toThrow(
      `INFRA_KAFKA_BROKERS=${raw} must be an integer from 1 to 9`,
    );
  });

  it("a node's port that another service has is refused", () => {
    // Node 2's broker would be 9192: PostgreSQL there collides.
    expect(() => readInfraConfig({ INFRA_KAFKA_BROKERS: '2', POSTGRES_PORT: '9192' })).toThrow(
      /port 9192 is configured twice/,
    );
  });

  it('--brokers and --datanodes stand for the variables', () => {
    expect(topologyArgs(['--brokers', '3', '--datanodes=2'])).toEqual({
      INFRA_KAFKA_BROKERS: '3',
      INFRA_HDFS_DATANODES: '2',
    });
    expect(topologyArgs([])).toEqual({});
    expect(() => topologyArgs(['--nodes', '3'])).toThrow(/unknown option --nodes/);
    expect(() => topologyArgs(['--brokers'])).toThrow('--brokers needs a number');
  });
});

describe('replication follows the node count', () => {
  it('topics: one replica per broker up to 3, min.insync.replicas=2 with 3', () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1 });
    expect(replicationFor(2)).toEqual({ replicationFactor: 2 });
    expect(replicationFor(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(replicationFor(5)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('HDFS: one replica per DataNode up to 3', () => {
    expect([1, 2, 3, 4].map(hdfsReplication)).toEqual([1, 2, 3, 3]);
  });

  it("each Kafka node's properties: its id and ports, every controller as a voter", () => {
    const config = readInfraConfig({ INFRA_KAFKA_BROKERS: '3' });
    expect(kafkaNodeVars(config, 2, '/d')).toEqual({
      NODE_ID: 2,
      QUORUM_VOTERS: '1@127.0.0.1:9093,2@127.0.0.1:9193,3@127.0.0.1:9293',
      BROKER_PORT: 9192,
      CONTROLLER_PORT: 9193,
      DATA_DIR: '/d',
      REPLICATION: 3,
      MIN_ISR: 2,
    });
    expect(kafkaNodeVars(readInfraConfig({}), 1, '/d')).toMatchObject({ REPLICATION: 1, MIN_ISR: 1 });
    expect([1, 2].map(kafkaRole)).toEqual(['kafka', 'kafka-2']);
  });

  it('a cluster node gets a smaller heap than a single node', () => {
    expect(kafkaHeap(1)).toContain('-Xmx512m');
    expect(kafkaHeap(3)).toContain('-Xmx320m');
  });
});
