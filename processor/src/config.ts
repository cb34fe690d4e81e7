// The processor's one reader of the environment. Every option, its variable and its default:
//
//   KAFKA_BROKERS        127.0.0.1:9092           comma-separated bootstrap brokers
//   TOPIC_PREFIX         clickstream              reads <prefix>.events, dead-letters to <prefix>.events.dead-letter
//   PROCESSOR_GROUP_ID   clickstream-processor    Kafka consumer group
//   WEBHDFS_URL          http://127.0.0.1:9870    NameNode HTTP address
//   HDFS_USER            clickstream              WebHDFS user.name
//   LAKE_ROOT            /clickstream             HDFS folder of the lake (events/ lives below it)
import { type LakeLayout, lakeLayout, type Topics, topicNames } from '@clickstream/schema';

export interface ProcessorConfig {
  readonly kafkaBrokers: readonly string[];
  readonly topics: Topics;
  readonly groupId: string;
  readonly webhdfsUrl: string;
  readonly hdfsUser: string;
  readonly lake: LakeLayout;
}

export function readProcessorConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProcessorConfig {
  return {
    kafkaBrokers: (env.KAFKA_BROKERS || '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    topics: topicNames(env.TOPIC_PREFIX || undefined),
    groupId: env.PROCESSOR_GROUP_ID || 'clickstream-processor',
    webhdfsUrl: env.WEBHDFS_URL || 'http://127.0.0.1:9870',
    hdfsUser: env.HDFS_USER || 'clickstream',
    lake: lakeLayout(env.LAKE_ROOT || undefined),
  };
}
