// up, up again (a no-op), down, up: the data written before the restart is still there.
// Runs its own instance (its own folder and ports) so the shared test instance is not disturbed.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { endpointsOf } from '../src/config.ts';
import { infraDown, infraStatus, infraUp } from '../src/infra.ts';
import { createKafka, EventProducer, ensureTopics, startConsumer } from '../src/kafka.ts';
import { WebHdfsClient } from '../src/webhdfs.ts';
import { privateInstance } from './global-setup.ts';

const config = await privateInstance('test-lifecycle');
const pids = () => infraStatus(config).map((s) => s.pid);

describe('infra lifecycle (its own Kafka + HDFS)', () => {
  afterAll(async () => {
    await infraDown(config);
    rmSync(config.stateDir, { recursive: true, force: true });
  });

  it('up twice is a no-op; down then up keeps Kafka and HDFS data', { timeout: 300_000 }, async () => {
    await infraDown(config);
    rmSync(config.stateDir, { recursive: true, force: true });
    const { kafkaBrokers, webhdfsUrl, hdfsUser } = endpointsOf(config);
    const log = (line: string) => console.log(`[lifecycle] ${line}`);

    const cold = await infraUp(config, log);
    const first = pids();
    expect(first.every((p) => p !== null)).toBe(true);

    const again = await infraUp(config, log);
    expect(pids()).toEqual(first);
    expect(again.seconds.kafka).toBeLessThan(cold.seconds.kafka);

    const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
    await hdfs.create('/lifecycle/kept.txt', 'written before the restart');
    const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'lifecycle', logLevel: 'nothing' });
    await ensureTopics(kafka, [{ topic: 'lifecycle', partitions: 1 }]);
    const producer = new EventProducer(kafka);
    await producer.connect();
    await producer.send('lifecycle', [{ key: 'k', value: 'kept message' }]);
    await producer.disconnect();

    await infraDown(config, log);
    expect(pids()).toEqual([null, null, null]);
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
  });
});
