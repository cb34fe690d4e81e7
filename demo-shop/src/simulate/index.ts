// What tests and other packages use from the simulator.

export { BOTS, COUNTRIES, DEVICES } from './audience.ts';
export { SIMULATE_WRITE_KEY, type SimulateOptions, simulateOptions } from './options.ts';
export type { PlannedEvent, Visit } from './plan-visit.ts';
export { Random, seedOf } from './random.ts';
export { simulate } from './run.ts';
export { EventSender } from './send-events.ts';
export { backfill, previousDays, type RunOptions, runLive, type Sent } from './simulate.ts';
export { LiveTraffic, planDay } from './traffic.ts';
export { waitForLake } from './wait-for-lake.ts';
