// The processor's one reader of the environment. Every option, its variable and its default:
//
//   KAFKA_BROKERS                   127.0.0.1:9092       comma-separated bootstrap brokers
//   TOPIC_PREFIX                    clickstream          reads <prefix>.events, dead-letters to <prefix>.events.dead-letter
//   PROCESSOR_GROUP_ID              clickstream-processor  Kafka consumer group
//   PROCESSOR_SESSION_TIMEOUT_MS    30000                the group drops a member silent this long (6000 at least)
//   WEBHDFS_URL                     http://127.0.0.1:9870  NameNode HTTP address
//   HDFS_USER                       clickstream          WebHDFS user.name
//   LAKE_ROOT                       /clickstream         HDFS folder of the lake (events/, sessions/, _processor/)
//   POSTGRES_URL                    postgres://clickstream:clickstream@127.0.0.1:5432/clickstream
//   PROCESSOR_PG_SCHEMA             realtime             PostgreSQL schema of the real-time tables
//   PROCESSOR_ALLOWED_LATENESS_MS   600000 (10 min)      watermark = latest event time - this
//   PROCESSOR_DEDUPE_WINDOW_MS      86400000 (24 h)      a messageId is remembered this long (at least 1 h)
//   PROCESSOR_IDLE_MS               30000                an idle partition's watermark follows the clock after this (0: never)
//   PROCESSOR_FLUSH_MS              250                  how often changed rows go to PostgreSQL
//   PROCESSOR_COMMIT_MS             10000                lake files, checkpoint and offsets commit at least this often
//   PROCESSOR_COMMIT_ROWS           50000                ... or when this many rows wait for the lake
//                                                        (and a backlog commits once it is read to the end)
//   PROCESSOR_REWRITE_RATIO         10                   past COMMIT_MS, a commit waits while it would write again more
//                                                        than this many lake rows per new row (files over 20,000 rows)...
//   PROCESSOR_COMMIT_MAX_MS         120000               ... but never longer than this (commit-policy.ts)
//   PROCESSOR_FILE_BYTES            16777216 (16 MiB)    a lake file takes new rows until it is this big
//   PROCESSOR_OPEN_FILES            8                    growing lake files kept in memory per table and partition
//   PROCESSOR_HEARTBEAT_FILE        (none)               touched about once a second while the main loop runs
//                                                        (a container health check reads its age)
import { type LakeLayout, lakeLayout, type Topics, topicNames } from '@clickstream/schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ProcessorConfig {
  readonly kafkaBrokers: readonly string[];
  readonly topics: Topics;
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly webhdfsUrl: string;
  readonly hdfsUser: string;
  readonly lake: LakeLayout;
  readonly postgresUrl: string;
  readonly pgSchema: string;
  readonly allowedLatenessMs: number;
  readonly dedupeWindowMs: number;
  readonly idleMs: number;
  readonly flushMs: number;
  readonly commitMs: number;
  readonly commitRows: number;
  readonly rewriteRatio: number;
  readonly commitMaxMs: number;
  readonly fileBytes: number;
  readonly openFiles: number;
  readonly heartbeatFile: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min)
    throw new ConfigError(`${name}=${raw}: use an integer of at least ${min}`);
  return n;
}

export function readProcessorConfig(env: Env = process.env): ProcessorConfig {
  let topics: Topics;
  let lake: LakeLayout;
  try {
    topics = topicNames(env.TOPIC_PREFIX || undefined);
    lake = lakeLayout(env.LAKE_ROOT || undefined);
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  const schema = env.PROCESSOR_PG_SCHEMA || 'realtime';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(`PROCESSOR_PG_SCHEMA=${schema}: use lower-case letters, digits and _`);
  }
  return {
    kafkaBrokers: (env.KAFKA_BROKERS || '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    topics,
    groupId: env.PROCESSOR_GROUP_ID || 'clickstream-processor',
    sessionTimeoutMs: int(env, 'PROCESSOR_SESSION_TIMEOUT_MS', 30_000, 6_000),
    webhdfsUrl: env.WEBHDFS_URL || 'http://127.0.0.1:9870',
    hdfsUser: env.HDFS_USER || 'clickstream',
    lake,
    postgresUrl: env.POSTGRES_URL || 'postgres://clickstream:clickstream@127.0.0.1:5432/clickstream',
    pgSchema: schema,
    allowedLatenessMs: int(env, 'PROCESSOR_ALLOWED_LATENESS_MS', 600_000, 0),
    dedupeWindowMs: int(env, 'PROCESSOR_DEDUPE_WINDOW_MS', 86_400_000, 3_600_000),
    idleMs: int(env, 'PROCESSOR_IDLE_MS', 30_000, 0),
    flushMs: int(env, 'PROCESSOR_FLUSH_MS', 250, 10),
    commitMs: int(env, 'PROCESSOR_COMMIT_MS', 10_000, 100),
    commitRows: int(env, 'PROCESSOR_COMMIT_ROWS', 50_000, 1),
    rewriteRatio: int(env, 'PROCESSOR_REWRITE_RATIO', 10, 1),
    commitMaxMs: int(env, 'PROCESSOR_COMMIT_MAX_MS', 120_000, 100),
    fileBytes: int(env, 'PROCESSOR_FILE_BYTES', 16 * 1024 * 1024, 1024),
    openFiles: int(env, 'PROCESSOR_OPEN_FILES', 8, 1),
    heartbeatFile: env.PROCESSOR_HEARTBEAT_FILE || undefined,
  };
}
