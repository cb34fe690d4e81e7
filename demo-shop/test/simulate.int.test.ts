// The simulated shop through the real collector into real Kafka: a short backfill and a few
// seconds of live traffic. Every event sent is in the topic (the client retries' second copies
// too, and nothing else), with the time it was planned for, and the collector's enrichment agrees
// with what the simulator meant: the country of the IP, the device of the User-Agent, bots flagged.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from '@clickstream/infra';
import { createKafka, startConsumer } from '@clickstream/infra/kafka';
import { type Service, spawnService, waitForHttpOk } from '@clickstream/infra/services';
import type { CollectedEvent, WireEvent } from '@clickstream/schema';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BOTS, COUNTRIES, DEVICES } from '../src/simulate/audience.ts';
import { backfill, previousDays, type RunOptions, runLive } from '../src/simulate/simulate.ts';

const { kafkaBrokers } = inject('infra');
const run = randomUUID().slice(0, 8);
const prefix = `sim-${run}`;

describe('simulated traffic through the collector', () => {
  let collector: Service;
  let collectorUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    collectorUrl = `http://127.0.0.1:${port}`;
    collector = spawnService('collector', join(REPO_ROOT, 'collector', 'src', 'server.ts'), {
      KAFKA_BROKERS: kafkaBrokers.join(','),
      TOPIC_PREFIX: prefix,
      COLLECTOR_PORT: String(port),
      COLLECTOR_SITES: JSON.stringify([
        { siteId: 'sim-shop', writeKey: `key-${run}`, origins: [], trustContextIp: true },
      ]),
    });
    await waitForHttpOk(collector, `${collectorUrl}/ready`);
  }, 120_000);

  afterAll(async () => {
    await collector?.stop();
  });

  it('every event reaches Kafka, enriched as the simulator meant', async () => {
    const sent = new Map<string, WireEvent>();
    const opts: RunOptions = {
      traffic: { seed: 4 },
      collectorUrl,
      writeKey: `key-${run}`,
      log: (line) => console.log(line),
      onSent: (events) => {
        for (const e of events) sent.set(e.messageId, e);
      },
    };
    const [yesterday] = previousDays(1);
    const past = await backfill(opts, [yesterday as string], 80);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 5_000);
    const live = await runLive(opts, 5, stop.signal, 480_000);
    expect(live.events).toBeGreaterThan(20);
    expect(sent.size).toBe(past.events + live.events);
    const expectedMessages = sent.size + past.duplicates + live.duplicates;

    const received: CollectedEvent[] = [];
    const consumer = await startConsumer(createKafka({ brokers: kafkaBrokers, clientId: 'sim-test' }), {
      groupId: `${prefix}-reader`,
      topics: [`${prefix}.events`],
      fromBeginning: true,
      handleBatch: async (batch) => {
        for (const m of batch.messages) received.push(JSON.parse(m.value?.toString() ?? 'null'));
      },
    });
    try {
      await expect.poll(() => received.length, { timeout: 60_000, interval: 250 }).toBe(expectedMessages);
      await new Promise((r) => setTimeout(r, 1_000)); // and nothing more arrives
      expect(received.length).toBe(expectedMessages);
    } finally {
      await consumer.stop();
    }
    expect(new Set(received.map((e) => e.messageId))).toEqual(new Set(sent.keys()));

    const countryOf = (ip: string) =>
      COUNTRIES.find((c) => c.prefixes.some((p) => ip.startsWith(`${p}.`)))?.code ?? null;
    const mismatches: string[] = [];
    let bots = 0;
    const countries = new Set<string>();
    for (const got of received) {
      const wire = sent.get(got.messageId) as WireEvent;
      const ua = wire.context?.userAgent;
      const bot = BOTS.some((b) => b.userAgent === ua);
      if (bot) bots++;
      if (got.siteId !== 'sim-shop') mismatches.push(`${got.messageId}: site ${got.siteId}`);
      if (got.timestamp !== wire.timestamp) mismatches.push(`${got.messageId}: time ${got.timestamp}`);
      if (got.isBot !== bot) mismatches.push(`${got.messageId}: isBot ${got.isBot} for ${ua}`);
      if (bot) continue;
      const ip = wire.context?.ip ?? '';
      const country = countryOf(ip);
      countries.add(country as string);
      if (got.geo.country !== country)
        mismatches.push(`${got.messageId}: country ${got.geo.country} != ${country}`);
      const device = DEVICES.find((d) => d.userAgent === ua)?.type;
      if (got.device.type !== device)
        mismatches.push(`${got.messageId}: device ${got.device.type} != ${device}`);
      // The raw IP never goes to Kafka: the collector keeps the /24.
      if (got.ip !== ip.replace(/\.\d+$/, '.0')) mismatches.push(`ip ${got.ip}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(bots).toBeGreaterThan(0);
    expect(countries.size).toBeGreaterThan(5);
    console.log(
      `simulate: ${sent.size} events (${past.events} backfilled, ${live.events} live), ` +
        `${expectedMessages - sent.size} sent twice, ${bots} from bots, ${countries.size} countries: all in Kafka`,
    );
  }, 120_000);
});
