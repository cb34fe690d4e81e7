// Reads compose files the way `docker compose -f a.yaml -f b.yaml config` resolves them, for the
// checks in this package: YAML with anchors and merge keys, every string value interpolated with
// the given variables (the .env file), later files merged over earlier ones, and each service's
// `environment` and `depends_on` in one shape (maps). Only what the checks need; the reference
// parser is Docker Compose itself, which does not run on machines without Docker.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { readEnvFile } from './env-file.ts';
import { interpolate, type Variables } from './interpolate.ts';

/** compose/: where compose.yaml, the overrides and .env.example live. */
export const COMPOSE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const COMPOSE_FILE = join(COMPOSE_DIR, 'compose.yaml');
export const KAFKA_3_FILE = join(COMPOSE_DIR, 'compose.kafka-3.yaml');
export const ENV_EXAMPLE = join(COMPOSE_DIR, '.env.example');

export type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };
export type YamlMap = { [key: string]: Yaml };

export interface HealthCheck {
  readonly test: readonly string[] | string;
  readonly interval?: string;
  readonly timeout?: string;
  readonly retries?: number;
  readonly start_period?: string;
}

export interface Service {
  readonly image?: string;
  readonly build?: { readonly context?: string; readonly dockerfile?: string; readonly target?: string };
  readonly command?: readonly string[] | string;
  readonly entrypoint?: readonly string[] | string;
  readonly environment: Readonly<Record<string, string>>;
  readonly depends_on: Readonly<Record<string, { readonly condition?: string; readonly restart?: boolean }>>;
  readonly ports?: readonly string[];
  readonly expose?: readonly (string | number)[];
  readonly volumes?: readonly string[];
  readonly healthcheck?: HealthCheck;
  readonly restart?: string;
  readonly hostname?: string;
  readonly user?: string;
  readonly [key: string]: unknown;
}

export interface ComposeModel {
  readonly name?: string;
  readonly services: Readonly<Record<string, Service>>;
  readonly volumes: Readonly<Record<string, unknown>>;
}

export class ComposeError extends Error {
  override readonly name = 'ComposeError';
}

const isMap = (v: unknown): v is YamlMap => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The YAML of a file as written (anchors resolved, nothing interpolated). */
export function readYaml(path: string): YamlMap {
  const doc = parse(readFileSync(path, 'utf8'), { merge: true, maxAliasCount: -1 }) as Yaml;
  if (!isMap(doc)) throw new ComposeError(`${path}: not a YAML mapping`);
  return doc;
}

/** Interpolates every string value (never keys), as compose does before anything else. */
function interpolateAll(value: Yaml, vars: Variables, path: string): Yaml {
  if (typeof value === 'string') return interpolate(value, vars, path);
  if (Array.isArray(value)) return value.map((v, i) => interpolateAll(v, vars, `${path}[${i}]`));
  if (isMap(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateAll(v, vars, path ? `${path}.${k}` : k)]),
    );
  return value;
}

/** `environment` as a list (`KEY=VALUE`, `KEY`) or a map, to a map of strings. */
function environmentMap(value: Yaml | undefined, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((entry) => {
        const text = String(entry);
        const eq = text.indexOf('=');
        // `KEY` alone takes the value from the shell running compose: none here.
        return eq < 0 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
      }),
    );
  }
  if (!isMap(value)) throw new ComposeError(`${where}: environment must be a list or a mapping`);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v),
    ]),
  );
}

function dependsOnMap(value: Yaml | undefined): Record<string, YamlMap> {
  if (value === undefined || value === null) return {};
  if (Array.isArray(value)) return Object.fromEntries(value.map((s) => [String(s), {}]));
  return Object.fromEntries(Object.entries(value as YamlMap).map(([k, v]) => [k, isMap(v) ? v : {}]));
}

// Keys whose value a later file replaces instead of merging (compose's merge rules).
const REPLACED = new Set(['command', 'entrypoint', 'test', 'image', 'user', 'restart', 'hostname']);

function merge(base: Yaml | undefined, over: Yaml, key = ''): Yaml {
  if (base === undefined || REPLACED.has(key)) return over;
  if (isMap(base) && isMap(over)) {
    const out: YamlMap = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v, k);
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) {
    const seen = new Set(base.map((v) => JSON.stringify(v)));
    return [...base, ...over.filter((v) => !seen.has(JSON.stringify(v)))];
  }
  return over;
}

function normalise(doc: YamlMap, where: string): YamlMap {
  const services = isMap(doc.services) ? doc.services : {};
  return {
    ...doc,
    services: Object.fromEntries(
      Object.entries(services).map(([name, s]) => {
        if (!isMap(s)) throw new ComposeError(`${where}: services.${name} is not a mapping`);
        return [
          name,
          {
            ...s,
            environment: environmentMap(s.environment, `${where}: services.${name}`),
            depends_on: dependsOnMap(s.depends_on),
          },
        ];
      }),
    ),
  };
}

/** The merged, interpolated model of `files` (later ones override), as compose would run it. */
export function loadCompose(files: readonly string[], vars: Variables): ComposeModel {
  let model: Yaml = {};
  for (const file of files) {
    const doc = interpolateAll(readYaml(file), vars, '') as YamlMap;
    model = merge(model, normalise(doc, file));
  }
  const m = model as YamlMap;
  return { ...(m as object), services: (m.services ?? {}) as never, volumes: (m.volumes ?? {}) as never };
}

/** A command in exec form; compose splits a string command like a shell would (simple cases). */
export function commandArgs(command: readonly string[] | string): string[] {
  if (typeof command !== 'string') return [...command];
  return (command.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'));
}

/** `ports` entries as host and container ports (`[ip:]host:container[/proto]`). */
export function publishedPorts(service: Service): { host: number; container: number }[] {
  return (service.ports ?? []).map((entry) => {
    const parts = String(entry)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const container = Number(parts.at(-1));
    const host = Number(parts.at(-2) ?? container);
    if (!Number.isInteger(container) || !Number.isInteger(host))
      throw new ComposeError(`ports entry "${entry}" is not [ip:]host:container`);
    return { host, container };
  });
}

/**
 * The variables of .env.example with every empty one (the secrets) filled in, as a user does
 * before the first start; `overrides` win.
 */
export function exampleVariables(overrides: Variables = {}): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(readEnvFile(ENV_EXAMPLE)))
    vars[k] = v === '' ? `test-${k.toLowerCase()}` : v;
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) vars[k] = v;
  return vars;
}
