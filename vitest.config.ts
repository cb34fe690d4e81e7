import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic, beside the code as *.test.ts) and `integration` (real Kafka,
// HDFS, PostgreSQL, Superset and Chromium, in each package's test/ as *.int.test.ts; among them the
// fault tests, processor/test/faults.int.test.ts, which start a 3-broker Kafka cluster and two
// DataNodes of their own, about 3 minutes). The global setup starts a private instance through
// infra/ on free ports, once per run, and stops it afterwards.

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['*/src/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['*/test/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./infra/test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
