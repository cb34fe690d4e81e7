// Configuration cannot drift between compose and code (check-service-env.ts): each of our services
// gets only variables its config.ts reads, and with them no local-machine default is left.
import { describe, expect, it } from 'vitest';
import { checkServiceEnv, ourServices, recordReads } from './check-service-env.ts';
import { COMPOSE_FILE, exampleVariables, KAFKA_3_FILE, loadCompose } from './compose-file.ts';
import { readDockerfile } from './dockerfile.ts';
import { READERS } from './service-readers.ts';

const stages = readDockerfile();
// A deployment on a real host: the public URLs name it (.env.example's defaults say localhost,
// right for trying the stack on one's own machine).
const deployment = exampleVariables({
  COLLECTOR_PUBLIC_URL: 'https://collect.example.com',
  COLLECTOR_SITES: '[{"siteId":"shop","writeKey":"k1","origins":["https://shop.example.com"]}]',
});

describe('the environment compose gives our services', () => {
  const services = ourServices(loadCompose([COMPOSE_FILE], deployment), stages);

  it('covers every service built from our Dockerfile', () => {
    expect(services.map((s) => s.service).sort()).toEqual(Object.keys(READERS).sort());
  });

  it('is read by the config readers, whole, and leaves no local default behind', () => {
    expect(checkServiceEnv(services, READERS)).toEqual([]);
  });

  it('is so with three Kafka brokers too', () => {
    const three = ourServices(loadCompose([COMPOSE_FILE, KAFKA_3_FILE], deployment), stages);
    expect(checkServiceEnv(three, READERS)).toEqual([]);
  });

  it('is checked with teeth: a misspelt, an unread and a missing variable are all reported', () => {
    const collector = services.find((s) => s.service === 'collector');
    const processor = services.find((s) => s.service === 'processor');
    if (!collector || !processor) throw new Error('compose.yaml lost a service');
    const { KAFKA_BROKERS: _, ...withoutBrokers } = collector.env;
    const broken = [
      { ...collector, env: { ...withoutBrokers, COLLECTOR_PORTT: '8081' } },
      { ...processor, env: { ...processor.env, COLLECTOR_SITES: '[]' } },
    ];
    expect(checkServiceEnv(broken, READERS)).toEqual([
      'collector: sets COLLECTOR_PORTT, which its config reader never reads',
      'collector: kafkaBrokers[0] = 127.0.0.1:9092 is a local-machine default; compose must set the variable behind it',
      'processor: sets COLLECTOR_SITES, which its config reader never reads',
    ]);
  });

  it('is refused in one line when a reader refuses it', () => {
    const shop = services.find((s) => s.service === 'shop');
    if (!shop) throw new Error('compose.yaml lost the shop');
    expect(
      checkServiceEnv([{ ...shop, env: { ...shop.env, COLLECTOR_URL: 'collector:8081' } }], READERS),
    ).toEqual([
      'shop: its config reader refuses the environment: COLLECTOR_URL=collector:8081 must start with http:// or https://',
    ]);
  });
});

describe('recordReads', () => {
  it('records every name a reader looks up, set or not', () => {
    const { read } = recordReads((env) => [env.A, env.B ?? 'default', 'C' in env], { A: '1' });
    expect([...read].sort()).toEqual(['A', 'B', 'C']);
  });
});
