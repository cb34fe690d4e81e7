// Configuration cannot drift between compose and code: for each of our services, every variable
// that compose or the image sets must be one its config reader reads, and the reader must accept
// the result without falling back to a local-machine default (an address on 127.0.0.1 or
// localhost: right for `npm run demo`, wrong in a container). Which variables a reader reads is
// not listed anywhere by hand: the reader runs on an environment that records every name it asks
// for.
import type { ComposeModel } from './compose-file.ts';
import { imageOf, type Stage } from './dockerfile.ts';
import type { ConfigReader, Env } from './service-readers.ts';

export interface ServiceEnv {
  readonly service: string;
  readonly target: string;
  /** The image's ENV overlaid with compose's `environment`: what the process gets. */
  readonly env: Readonly<Record<string, string>>;
}

/** Our services (built from the Dockerfile) and the environment each one runs with. */
export function ourServices(model: ComposeModel, stages: readonly Stage[]): ServiceEnv[] {
  return Object.entries(model.services)
    .filter(([, s]) => s.build?.target !== undefined)
    .map(([service, s]) => {
      const target = s.build?.target as string;
      return { service, target, env: { ...imageOf(stages, target).env, ...s.environment } };
    });
}

/** Runs `reader` on `env` and returns the config and every variable name it looked up. */
export function recordReads(reader: ConfigReader, env: Env): { config: unknown; read: Set<string> } {
  const read = new Set<string>();
  const spy = new Proxy(env, {
    get: (target, key) => {
      if (typeof key === 'string') read.add(key);
      return target[key as string];
    },
    has: (target, key) => {
      if (typeof key === 'string') read.add(key);
      return key in target;
    },
  });
  return { config: reader(spy), read };
}

const LOCAL_ADDRESS = /\b(127\.0\.0\.1|localhost)\b|\[::1\]/;

/** Strings in `value` (a parsed config) that point at this machine, with their paths. */
function localAddresses(value: unknown, path: string): string[] {
  if (typeof value === 'string') return LOCAL_ADDRESS.test(value) ? [`${path} = ${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => localAddresses(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => localAddresses(v, path ? `${path}.${k}` : k));
  return [];
}

/** One line per problem; empty when compose, the image and the code agree. */
export function checkServiceEnv(
  services: readonly ServiceEnv[],
  readers: Readonly<Record<string, ConfigReader>>,
): string[] {
  const problems: string[] = [];
  for (const { service, target, env } of services) {
    const reader = readers[target];
    if (!reader) {
      problems.push(`${service}: no config reader is known for image target '${target}'`);
      continue;
    }
    let result: ReturnType<typeof recordReads>;
    try {
      result = recordReads(reader, env);
    } catch (err) {
      problems.push(`${service}: its config reader refuses the environment: ${(err as Error).message}`);
      continue;
    }
    // Everything a reader reads with the defaults too, so a branch compose did not take counts.
    const read = new Set([...result.read, ...recordReads(reader, {}).read]);
    for (const name of Object.keys(env).sort())
      if (!read.has(name)) problems.push(`${service}: sets ${name}, which its config reader never reads`);
    for (const local of localAddresses(result.config, ''))
      problems.push(
        `${service}: ${local} is a local-machine default; compose must set the variable behind it`,
      );
  }
  return problems;
}
