// Our images' targets (Dockerfile) and the config reader of the service each one runs. The env
// check compares what compose and the Dockerfile set with what these readers read.
import { readBatchConfig } from '@clickstream/batch/config';
import { readScheduleConfig } from '@clickstream/batch/schedule-config';
import { readCollectorConfig } from '@clickstream/collector/config';
import { readDashboardsConfig } from '@clickstream/dashboards/config';
import { readShopConfig } from '@clickstream/demo-shop/config';
import { readInfraConfig } from '@clickstream/infra';
import { readLiveConfig } from '@clickstream/live/config';
import { readProcessorConfig } from '@clickstream/processor/config';

export type Env = Readonly<Record<string, string | undefined>>;
export type ConfigReader = (env: Env) => unknown;

export const READERS: Readonly<Record<string, ConfigReader>> = {
  collector: readCollectorConfig,
  processor: readProcessorConfig,
  shop: readShopConfig,
  live: readLiveConfig,
  // The scheduler reads its own options; each run (cli.ts) reads the batch's from the same environment.
  batch: (env) => ({ schedule: readScheduleConfig(env), run: readBatchConfig(env) }),
  // The import reads infra's config too (its instance folder), as `npm run dashboards` does.
  dashboards: (env) => readDashboardsConfig(readInfraConfig(env), env),
};
