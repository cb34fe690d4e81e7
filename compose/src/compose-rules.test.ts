// The deployment's promises, checked on the compose files: pinned images, only the public services
// published, health checks and restart policies, `depends_on` with conditions, named volumes for
// every stateful service, no secret in the files, every setting documented in .env.example, and the
// known traps of the official images handled (README.md, "Traps handled").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  COMPOSE_FILE,
  type ComposeModel,
  ENV_EXAMPLE,
  exampleVariables,
  KAFKA_3_FILE,
  loadCompose,
  readYaml,
  type Service,
  type YamlMap,
} from './compose-file.ts';
import { imageOf, readDockerfile } from './dockerfile.ts';
import { variablesIn } from './interpolate.ts';

const model = loadCompose([COMPOSE_FILE], exampleVariables());
const threeBrokers = loadCompose([COMPOSE_FILE, KAFKA_3_FILE], exampleVariables());
const services = Object.entries(model.services);

/** The services that run until stopped; the others are one-shot jobs. */
const isJob = (s: Service) => s.restart === 'no' || s.restart === 'on-failure';

const PUBLISHED = ['collector', 'live', 'shop', 'superset'];
const STATEFUL: Record<string, string> = {
  kafka: '/var/lib/kafka/data',
  namenode: '/data',
  datanode: '/data',
  postgres: '/var/lib/postgresql',
  superset: '/app/superset_home',
};

describe('compose.yaml', () => {
  it('pins every image it pulls to a version (the images it builds pin their bases: dockerfile.test.ts)', () => {
    for (const [name, s] of services.filter(([, s]) => s.build === undefined)) {
      expect(s.image, name).toMatch(/^[\w./-]+:(\d+\.\d+(\.\d+)?)(-[\w.-]+)?$|@sha256:[0-9a-f]{64}$/);
    }
  });

  it('publishes only the collector, the shop, the live view and Superset, on an explicit interface', () => {
    const published = services.filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
    expect(published.sort()).toEqual([...PUBLISHED].sort());
    for (const name of PUBLISHED) {
      for (const entry of model.services[name]?.ports ?? [])
        expect(entry, name).toMatch(/^(\d{1,3}\.){3}\d{1,3}:\d+:\d+$/);
    }
  });

  it('gives every long-running service a restart policy and a health check, and every job a policy', () => {
    for (const [name, s] of services) {
      expect(['unless-stopped', 'no', 'on-failure'], name).toContain(s.restart);
      if (!isJob(s)) expect(s.healthcheck?.test, `${name} has no healthcheck`).toBeDefined();
    }
  });

  it('waits on conditions that can be met', () => {
    for (const [name, s] of services) {
      for (const [dep, { condition }] of Object.entries(s.depends_on)) {
        const target = model.services[dep];
        expect(target, `${name} depends on a missing ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully'], `${name} -> ${dep}`).toContain(
          condition,
        );
        if (condition === 'service_healthy')
          expect(target?.healthcheck, `${dep} has no healthcheck`).toBeDefined();
        else expect(isJob(target as Service), `${dep} is not a one-shot job`).toBe(true);
      }
    }
  });

  it('keeps the data of every stateful service in a named volume', () => {
    const declared = Object.keys(model.volumes);
    for (const [name, target] of Object.entries(STATEFUL)) {
      const mount = (model.services[name]?.volumes ?? []).find((v) => v.split(':')[1] === target);
      expect(mount, `${name} has no volume on ${target}`).toBeDefined();
      expect(declared, name).toContain(mount?.split(':')[0]);
    }
  });

  it('runs our Node services under an init process, from targets the Dockerfile has', () => {
    const stages = readDockerfile();
    for (const [name, s] of services.filter(([, s]) => s.build?.target !== undefined)) {
      expect(s.init, name).toBe(true);
      expect(s.build?.context, name).toBe('..');
      expect(() => imageOf(stages, s.build?.target as string), name).not.toThrow();
    }
  });
});

describe('secrets and settings', () => {
  const raw = readYaml(COMPOSE_FILE);
  const rawText = readFileSync(COMPOSE_FILE, 'utf8') + readFileSync(KAFKA_3_FILE, 'utf8');
  const example = readFileSync(ENV_EXAMPLE, 'utf8');
  const secretName = /PASSWORD|SECRET|SALT/;

  /** Every `environment` entry of every service as written, anchors resolved. */
  const rawEnv = Object.entries(raw.services as YamlMap).flatMap(([service, s]) =>
    Object.entries(((s as YamlMap).environment ?? {}) as YamlMap).map(([k, v]) => ({
      service,
      k,
      v: String(v),
    })),
  );

  it('holds no secret: each comes from .env, with no default', () => {
    for (const { service, k, v } of rawEnv.filter((e) => secretName.test(e.k))) {
      // Only needed with IP_POLICY=hash, so it may be empty.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's syntax, not a template
      if (k === 'IP_HASH_SALT') expect(v, `${service}.${k}`).toBe('${IP_HASH_SALT:-}');
      else expect(v, `${service}.${k}`).toMatch(/^\$\{[A-Z_]+:\?[^}]*\}$/);
    }
    for (const { service, k, v } of rawEnv.filter((e) => /:\/\/[^/]*@/.test(e.v))) {
      expect(v, `${service}.${k}: a URL's password must come from .env`).toMatch(
        /:\/\/[\w-]+:\$\{[A-Z_]+:\?[^}]*\}@/,
      );
    }
  });

  it('makes compose stop while a secret of .env.example is left empty', () => {
    const empty = [...example.matchAll(/^([A-Z_]+)=$/gm)].map((m) => m[1] as string);
    expect(empty.length).toBeGreaterThanOrEqual(6);
    for (const name of empty) {
      expect(rawText, name).toContain(`\${${name}:?`);
      const { [name]: _, ...without } = exampleVariables();
      expect(() => loadCompose([COMPOSE_FILE], { ...without, [name]: '' }), name).toThrow(name);
    }
  });

  it('documents every variable it reads in .env.example', () => {
    for (const name of variablesIn(rawText)) expect(example, name).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
  });
});

describe('the traps of the official images', () => {
  const env = (m: ComposeModel, service: string) => m.services[service]?.environment ?? {};

  it('Kafka: containers reach the INTERNAL listener by service name; nothing advertises the container', () => {
    for (const m of [model, threeBrokers]) {
      const brokers = Object.entries(m.services).filter(([, s]) => s.image?.startsWith('apache/kafka:'));
      const internal = brokers.map(([name, s]) => {
        const advertised = s.environment.KAFKA_ADVERTISED_LISTENERS ?? '';
        expect(advertised, name).toMatch(new RegExp(`(^|,)INTERNAL://${s.hostname}:9092(,|$)`));
        expect(s.environment.KAFKA_INTER_BROKER_LISTENER_NAME, name).toBe('INTERNAL');
        expect(s.environment.KAFKA_LOG_DIRS, name).toBe('/var/lib/kafka/data');
        return `${s.hostname}:9092`;
      });
      for (const name of ['collector', 'processor'])
        expect(env(m, name).KAFKA_BROKERS?.split(',').sort(), name).toEqual(internal.sort());
    }
  });

  it('Kafka, three brokers: replicated topics and two in-sync replicas for acks=all', () => {
    for (const name of ['kafka', 'kafka-2', 'kafka-3']) {
      const e = env(threeBrokers, name);
      expect(e.KAFKA_CONTROLLER_QUORUM_VOTERS, name).toBe('1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093');
      expect(e.KAFKA_DEFAULT_REPLICATION_FACTOR, name).toBe('3');
      expect(e.KAFKA_MIN_INSYNC_REPLICAS, name).toBe('2');
    }
    const ids = ['kafka', 'kafka-2', 'kafka-3'].map((n) => env(threeBrokers, n).KAFKA_NODE_ID);
    expect(ids).toEqual(['1', '2', '3']);
    const mounts = ['kafka', 'kafka-2', 'kafka-3'].map((n) => threeBrokers.services[n]?.volumes?.[0]);
    expect(new Set(mounts).size).toBe(3);
  });

  it('HDFS: the NameNode is formatted only while its real name directory is missing (HDFS-17307)', () => {
    const e = env(model, 'namenode');
    expect(`file://${e.ENSURE_NAMENODE_DIR}`).toBe(e['HDFS-SITE.XML_dfs.namenode.name.dir']);
    expect(e.ENSURE_NAMENODE_DIR?.startsWith('/data/')).toBe(true); // on the volume
  });

  it('HDFS: WebHDFS redirects writes to a DataNode name the other containers resolve', () => {
    const datanode = model.services.datanode;
    expect(datanode?.hostname).toBe('datanode');
    expect(env(model, 'datanode')['HDFS-SITE.XML_dfs.datanode.hostname']).toBe(datanode?.hostname);
    expect(env(model, 'processor').WEBHDFS_URL).toBe(`http://${model.services.namenode?.hostname}:9870`);
  });

  it('PostgreSQL 18: the volume is on /var/lib/postgresql, where the image keeps its version folders', () => {
    expect(model.services.postgres?.image).toMatch(/^postgres:18\./);
    expect(model.services.postgres?.volumes).toContain('postgres-data:/var/lib/postgresql');
  });
});
