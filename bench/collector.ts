// Collector benchmark:
// `npm run bench:collector [-- --duration 10 --connections 32 --broker-warmup 20 --brokers host:port]`.
//
// Against a real Kafka (a private instance under .infra/bench-collector, started and stopped here,
// unless --brokers names a running one), it first loads the broker for --broker-warmup seconds (not
// reported: a fresh JVM is slow for its first minute), then measures with autocannon (keep-alive, no
// pipelining):
//   1. a bare node:http server that parses the JSON and answers 204 (the ceiling),
//   2. Fastify with the collector's routes and nothing behind them (what the framework costs), and
//   3. the real collector process (collector/src/server.ts: validation, enrichment, geo, Kafka acks=all),
// each with one event per request and with batches of 20; then
//   4. the collector's producer path (the sink and producer server.ts gives buildApp: @platformatic/kafka)
//      against a raw kafkajs producer with the same settings (idempotent, acks=all), 20 messages per
//      send, beside the same sink on kafkajs (the collector's producer until 2026-11-24) and raw
//      @platformatic/kafka without idempotence.
// Every server runs as its own child process; the load generator runs here. Numbers are what was
// measured on this machine in this run; nothing is extrapolated.
import { rmSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { endpointsOf, freePort, infraDown, kafkaUp, REPO_ROOT } from '@clickstream/infra';
import { FastEventProducer } from '@clickstream/infra/fast-producer';
import { createKafka, EventProducer, ensureTopics } from '@clickstream/infra/kafka';
import { spawnService, waitForHttpOk } from '@clickstream/infra/services';
import { type CollectedEvent, partitionKey, topicNames } from '@clickstream/schema';
import { collectedEvents, validWireEvents } from '@clickstream/schema/fixtures';
import { Producer as PlatformaticProducer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import autocannon from 'autocannon';
import kafkajs from 'kafkajs';
import { createKafkaSink } from '../collector/src/kafka-sink.ts';
import { privateInstance } from '../infra/test/global-setup.ts';
import { fmt, table } from './table.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    'broker-warmup': { type: 'string', default: '20' },
    connections: { type: 'string', default: '32' },
    brokers: { type: 'string' },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const BROKER_WARMUP = Number(args['broker-warmup']);
const CONNECTIONS = Number(args.connections);
const BATCH = 20;
const WRITE_KEY = 'demo-shop-key';

const log = (line: string) => console.log(`[bench] ${line}`);

// --- payloads: the golden page view, alone (POST /v1/page) and 20 per batch (POST /v1/batch) ----
// 200 variants that differ in browser version and visitor, as real traffic does (the collector
// remembers parsed User-Agents, so one string repeated forever would flatter it).
const VARIANTS = 200;
const pageView = validWireEvents['page-view']!;
const variant = (v: number, i: number) => ({
  ...pageView,
  messageId: `${pageView.messageId.slice(0, -8)}${String(v * 1000 + i).padStart(8, '0')}`,
  anonymousId: `visitor-${v}`,
  context: {
    ...pageView.context,
    userAgent: `Mozilla/5.0 (${v % 2 ? 'Windows NT 10.0; Win64; x64' : 'X11; Linux x86_64'}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.${7000 + v}.${v % 50} Safari/537.36`,
  },
});
const singleBodies = Array.from({ length: VARIANTS }, (_, v) => JSON.stringify(variant(v, 0)));
const batchBodies = Array.from({ length: VARIANTS }, (_, v) =>
  JSON.stringify({ writeKey: WRITE_KEY, batch: Array.from({ length: BATCH }, (_, i) => variant(v, i)) }),
);

interface Row {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
}

async function load(
  base: string,
  path: string,
  bodies: readonly string[],
  eventsPerRequest: number,
  name: string,
): Promise<Row> {
  const opts = {
    url: base,
    requests: bodies.map((body) => ({
      method: 'POST' as const,
      path,
      headers: { 'content-type': 'application/json' },
      body,
    })),
    connections: CONNECTIONS,
    pipelining: 1,
  };
  if (WARMUP > 0) await autocannon({ ...opts, duration: WARMUP });
  const r = await autocannon({ ...opts, duration: DURATION });
  const ok = r['2xx'];
  const row = {
    name,
    requestsPerSecond: ok / r.duration,
    eventsPerSecond: (ok * eventsPerRequest) / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    failed: r.non2xx + r.errors,
  };
  log(
    `${name}: ${fmt(row.requestsPerSecond)} req/s, ${fmt(row.eventsPerSecond)} events/s, p50 ${row.p50} ms, p99 ${row.p99} ms, non-2xx/errors ${row.failed}`,
  );
  return row;
}

/** `concurrency` loops, each sending 20 messages and awaiting the acknowledgement, for `seconds`. */
async function drive(
  name: string,
  send: (messages: Array<{ key: string; value: string }>) => Promise<unknown>,
  events: readonly CollectedEvent[],
  seconds: number,
  concurrency: number,
): Promise<Row> {
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let cursor = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const slice = Array.from({ length: BATCH }, () => events[cursor++ % events.length]!);
      const t0 = performance.now();
      try {
        // The collector serializes in its path; so does the raw producer here, for equal work.
        await send(slice.map((e) => ({ key: partitionKey(e), value: JSON.stringify(e) })));
        sent += BATCH;
        latencies.push(performance.now() - t0);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    Number((latencies[Math.floor(p * (latencies.length - 1))] ?? Number.NaN).toFixed(1));
  const row = {
    name,
    requestsPerSecond: latencies.length / elapsed,
    eventsPerSecond: sent / elapsed,
    p50: q(0.5),
    p99: q(0.99),
    failed,
  };
  log(
    `${name}: ${fmt(row.requestsPerSecond)} sends/s, ${fmt(row.eventsPerSecond)} msgs/s, p50 ${row.p50} ms, p99 ${row.p99} ms, failed ${failed}`,
  );
  return row;
}

async function main() {
  log(
    `${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, Node ${process.version}; ${DURATION} s per run after ${WARMUP} s warm-up, ${CONNECTIONS} connections`,
  );
  const instance = args.brokers ? null : await privateInstance('bench-collector');
  const cleanups: Array<() => Promise<unknown>> = [];
  let succeeded = false;
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    cleanups.length = 0;
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    let brokers: string[];
    if (instance) {
      await infraDown(instance);
      rmSync(instance.stateDir, { recursive: true, force: true });
      cleanups.push(async () => {
        await infraDown(instance, log);
        // Its Kafka log holds a few hundred MB of benchmark events; keep it only after a failure.
        if (succeeded) rmSync(instance.stateDir, { recursive: true, force: true });
        else log(`state and logs kept in ${instance.stateDir}`);
      });
      log(`starting a private Kafka under ${instance.stateDir}`);
      await kafkaUp(instance, log);
      brokers = endpointsOf(instance).kafkaBrokers;
    } else {
      brokers = args.brokers!.split(',');
    }
    const prefix = `bench-${Date.now().toString(36)}`;
    const topics = topicNames(prefix);
    const kafka = createKafka({ brokers, clientId: 'bench-collector' });
    await ensureTopics(kafka, [
      { topic: topics.events, partitions: 3 },
      { topic: topics.deadLetter, partitions: 1 },
    ]);
    log(`Kafka ${brokers.join(',')}, topic ${topics.events}; Node ${process.version}`);

    // The same messages for every producer row (and the broker warm-up).
    const base = collectedEvents['order-completed']!;
    const events = Array.from({ length: 1000 }, (_, i) => ({
      ...base,
      messageId: `bench-${i}`,
      anonymousId: `visitor-${i % 100}`,
    }));

    // A freshly started broker runs its first minute in the JVM's interpreter; the collector rows
    // came first and measured it (single events 5-9k req/s against 11-12k on a warm broker in
    // the same session). Production brokers are warm, so load it before anything is measured.
    // A producer behind the collector's sink, driven through `runs` ([name, seconds]) in turn; the
    // last run's row is the result.
    const driveSink = async (
      producer: FastEventProducer | EventProducer,
      runs: ReadonlyArray<readonly [string, number]>,
    ) => {
      await producer.connect();
      cleanups.push(() => producer.disconnect());
      const sink = createKafkaSink(producer);
      const send = (m: Array<{ key: string; value: string }>) => sink.send(topics.events, m);
      let row: Row | undefined;
      for (const [name, seconds] of runs) row = await drive(name, send, events, seconds, CONNECTIONS);
      await producer.disconnect();
      return row!;
    };
    if (BROKER_WARMUP > 0) {
      await driveSink(new FastEventProducer({ brokers, clientId: 'bench-broker-warm-up' }), [
        [`broker warm-up (${BROKER_WARMUP} s, not a result)`, BROKER_WARMUP],
      ]);
    }

    // A server from bench/ (no Kafka): started, loaded with single events and with batches, stopped.
    const measurePlain = async (file: string, label: string) => {
      const port = await freePort();
      const server = spawnService(file, join(REPO_ROOT, 'bench', `${file}.ts`), { PORT: String(port) });
      cleanups.push(() => server.stop());
      const url = `http://127.0.0.1:${port}`;
      await waitForHttpOk(server, url, 60_000, (status) => status < 500); // any answer: it is listening
      const single = await load(url, '/v1/page', singleBodies, 1, `${label}, 1 event/request`);
      const batch = await load(url, '/v1/batch', batchBodies, BATCH, `${label}, ${BATCH} events/request`);
      await server.stop();
      return [single, batch] as const;
    };
    // 1. The ceiling. 2. The framework alone.
    const [bareSingle, bareBatch] = await measurePlain('bare-server', 'bare node:http');
    const [floorSingle, floorBatch] = await measurePlain('fastify-floor', 'Fastify alone');

    // 3. The real collector process, rate limits off, load shedding far away.
    const port = await freePort();
    const collector = spawnService('collector', join(REPO_ROOT, 'collector', 'src', 'server.ts'), {
      COLLECTOR_PORT: String(port),
      KAFKA_BROKERS: brokers.join(','),
      TOPIC_PREFIX: prefix,
      RATE_LIMIT_IP_PER_MINUTE: '0',
      RATE_LIMIT_KEY_PER_MINUTE: '0',
      MAX_PENDING_EVENTS: '1000000',
    });
    cleanups.push(() => collector.stop());
    const url = `http://127.0.0.1:${port}`;
    await waitForHttpOk(collector, `${url}/ready`);
    const single = await load(url, '/v1/page', singleBodies, 1, 'collector, 1 event/request');
    const batch = await load(url, '/v1/batch', batchBodies, BATCH, `collector, ${BATCH} events/request`);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const accepted = Number(/^collector_events_accepted_total (\S+)$/m.exec(metrics)?.[1]);
    const errors = Number(/^collector_kafka_produce_errors_total (\S+)$/m.exec(metrics)?.[1]);
    log(`collector /metrics: ${fmt(accepted)} events acknowledged by Kafka, ${errors} produce errors`);
    await collector.stop();

    // 4. Producer paths vs raw kafkajs, same settings (idempotent, acks=all), same messages, 20 per send.
    const seconds = DURATION;
    const measureSink = (name: string, producer: FastEventProducer | EventProducer) =>
      driveSink(producer, [
        ['warm-up', WARMUP],
        [name, seconds],
      ]);
    const path = await measureSink(
      'collector producer path (sink on @platformatic/kafka)',
      new FastEventProducer({ brokers, clientId: 'bench-collector-path' }),
    );
    const kafkajsSink = await measureSink('same sink on kafkajs', new EventProducer(kafka));

    const raw = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    });
    await raw.connect();
    cleanups.push(() => raw.disconnect());
    const rawSend = (messages: Array<{ key: string; value: string }>) =>
      raw.send({ topic: topics.events, acks: -1, timeout: 30_000, messages });
    await drive('warm-up', rawSend, events, WARMUP, CONNECTIONS);
    const rawRow = await drive('raw kafkajs producer', rawSend, events, seconds, CONNECTIONS);
    await raw.disconnect();

    // Without idempotence @platformatic/kafka takes overlapping sends; with it, they must be serialized.
    const loose = new PlatformaticProducer({
      clientId: 'bench-platformatic-loose',
      bootstrapBrokers: brokers,
      idempotent: false,
      acks: ProduceAcks.ALL,
      serializers: stringSerializers,
    });
    cleanups.push(() => loose.close());
    const looseSend = (messages: Array<{ key: string; value: string }>) =>
      loose.send({ messages: messages.map((m) => ({ topic: topics.events, key: m.key, value: m.value })) });
    await drive('warm-up', looseSend, events, WARMUP, CONNECTIONS);
    const looseRow = await drive(
      'raw @platformatic/kafka (not idempotent)',
      looseSend,
      events,
      seconds,
      CONNECTIONS,
    );
    await loose.close();

    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
    const verdict = (r: number, target: number) => (r >= target ? 'met' : 'MISSED');
    const line = (r: Row, name: string, ratioText: string, target: string) => [
      name,
      fmt(r.requestsPerSecond),
      fmt(r.eventsPerSecond),
      String(r.p50),
      String(r.p99),
      String(r.failed),
      ratioText,
      target,
    ];
    const rows: string[][] = [
      ['scenario', 'req/s (or sends/s)', 'events/s', 'p50 ms', 'p99 ms', 'failed', 'ratio', 'target'],
      line(bareSingle, bareSingle.name, '1.00x (ceiling)', ''),
      line(
        bareBatch,
        bareBatch.name,
        `${ratio(bareBatch.eventsPerSecond, bareSingle.requestsPerSecond)} events/s vs bare req/s`,
        '',
      ),
      line(
        floorSingle,
        floorSingle.name,
        `${ratio(floorSingle.requestsPerSecond, bareSingle.requestsPerSecond)} req/s vs bare`,
        'floor',
      ),
      line(
        floorBatch,
        floorBatch.name,
        `${ratio(floorBatch.eventsPerSecond, bareSingle.requestsPerSecond)} events/s vs bare req/s`,
        'floor',
      ),
      line(
        single,
        single.name,
        `${ratio(single.requestsPerSecond, bareSingle.requestsPerSecond)} req/s vs bare (${ratio(single.requestsPerSecond, floorSingle.requestsPerSecond)} vs Fastify alone)`,
        `>= 0.4x: ${verdict(single.requestsPerSecond / bareSingle.requestsPerSecond, 0.4)}`,
      ),
      line(
        batch,
        batch.name,
        `${ratio(batch.eventsPerSecond, bareSingle.requestsPerSecond)} events/s vs bare req/s (${ratio(batch.eventsPerSecond, floorBatch.eventsPerSecond)} vs Fastify alone)`,
        `>= 2.5x: ${verdict(batch.eventsPerSecond / bareSingle.requestsPerSecond, 2.5)}`,
      ),
      line(rawRow, `${rawRow.name}, ${BATCH} msgs/send`, '1.00x', ''),
      line(
        path,
        `${path.name}, ${BATCH} msgs/send`,
        `${ratio(path.eventsPerSecond, rawRow.eventsPerSecond)} msgs/s vs raw kafkajs`,
        `>= 0.9x: ${verdict(path.eventsPerSecond / rawRow.eventsPerSecond, 0.9)}`,
      ),
      line(
        kafkajsSink,
        `${kafkajsSink.name}, ${BATCH} msgs/send`,
        `${ratio(kafkajsSink.eventsPerSecond, rawRow.eventsPerSecond)} msgs/s vs raw kafkajs`,
        'previous path',
      ),
      line(
        looseRow,
        `${looseRow.name}, ${BATCH} msgs/send`,
        `${ratio(looseRow.eventsPerSecond, rawRow.eventsPerSecond)} msgs/s vs raw kafkajs`,
        '',
      ),
    ];
    console.log(`\n${table(rows)}\n`);
    succeeded = true;
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
