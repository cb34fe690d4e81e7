import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic, beside the code as *.test.ts) and `integration` (real Kafka,
// HDFS and Chromium, in each package's test/ as *.int.test.ts). The integration project's global
// setup starts its own Kafka and HDFS through infra/ on free ports and stops them afterwards.
const FAULTS = ['processor/test/faults.int.test.ts'];

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
          exclude: ['**/node_modules/**', ...FAULTS],
          globalSetup: ['./infra/test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The fault tests (a Kafka cluster and two DataNodes of their own, about 6 minutes): apart
        // until they pass reliably; `npm run test:faults`.
        test: {
          name: 'faults',
          include: FAULTS,
          globalSetup: ['./infra/test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
