import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure logic, beside the code as *.test.ts), `integration` (real Kafka,
// HDFS, PostgreSQL and Chromium, in each package's test/ as *.int.test.ts) and `faults` (a Kafka
// cluster and two DataNodes killed under load; `npm run test:faults`, not part of `npm test` until
// it passes reliably). Their global setup starts a private instance through infra/ on free ports
// and stops it afterwards.
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
