// up, up again (a no-op), down, up: the data written before the restart (a file in HDFS, a message
// in Kafka, a row in PostgreSQL) is still there.
// Runs its own instance (its own folder and ports) so the shared test instance is not disturbed.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { endpointsOf } from '../src/config.ts';
import { infraDown, infraStatus, infraUp } from '../src/infra.ts';
import { createKafka, EventProducer, ensureTopics, startConsumer } from '../src/kafka.ts';
import { createPool } from '../src/postgres.ts';
import { WebHdfsClient } from '../src/webhdfs.ts';
import { privateInstance } from './global-setup.ts';

const config = await privateInstance('test-lifecycle');
const pids = () => infraStatus(config).map((s) => s.pid);

describe('infra lifecycle (its own Kafka + HDFS + PostgreSQL)', () => {
  afterAll(async () => {
    await infraDown(config);
    rmSync(config.stateDir, { recursive: true, force: true });
  });

  it('up twice is a no-op; down then up keeps Kafka, HDFS and PostgreSQL data', {
    timeout: 300_000,
  }, async () => {
    await infraDown(config);
    rmSync(config.stateDir, { recursive: true, force: true });
    const { kafkaBrokers, webhdfsUrl, hdfsUser, postgresUrl } = endpointsOf(config);
    const log = (line: string) => console.log(`[lifecycle] ${line}`);

    const cold = await infraUp(config, log);
    const first = pids();
    expect(first.every((p) => p !== null)).toBe(true);

    const again = await infraUp(config, log);
    expect(pids()).toEqual(first);
    expect(again.seconds.kafka).toBeLessThan(cold.seconds.kafka);
    expect(infraStatus(config).map((s) => s.role)).toEqual(['kafka', 'namenode', 'datanode', 'postgres']);

    const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
    await hdfs.create('/lifecycle/kept.txt', 'written before the restart');
    const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'lifecycle', logLevel: 'nothing' });
    await ensureTopics(kafka, [{ topic: 'lifecycle', partitions: 1 }]);
    const producer = new EventProducer(kafka);
    await producer.connect();
    await producer.send('lifecycle', [{ key: 'k', value: 'kept message' }]);
    await producer.disconnect();
    // A connection left open must not hold up `down` (PostgreSQL gets a fast shutdown).
    const db = createPool(postgresUrl);
    await db.query('CREATE TABLE kept (id int PRIMARY KEY, note text)');
    await db.query(`INSERT INTO kept VALUES (1, 'written before the restart')`);

    await infraDown(config, log);
    expect(pids()).toEqual([null, null, null, null]);
    // Gone, not just dying: an exited child stays a zombie until Node reaps it, so wait briefly.
    for (const pid of first) {
      await vi.waitFor(() => expect(() => process.kill(pid as number, 0)).toThrow(), { timeout: 5_000 });
    }

    await infraUp(config, log);
    expect(new TextDecoder().decode(await hdfs.open('/lifecycle/kept.txt'))).toBe(
      'written before the restart',
    );
    const values: string[] = [];
    const consumer = await startConsumer(
      createKafka({ brokers: kafkaBrokers, clientId: 'lifecycle-2', logLevel: 'nothing' }),
      {
        groupId: 'lifecycle',
        topics: ['lifecycle'],
        handleBatch: async (b) => {
          values.push(...b.messages.map((m) => String(m.value)));
        },
      },
    );
    await expect.poll(() => values, { timeout: 30_000 }).toEqual(['kept message']);
    await consumer.stop();
    expect((await db.query('SELECT id, note FROM kept')).rows).toEqual([
      { id: 1, note: 'written before the restart' },
    ]);
    await db.end();
  });
});
