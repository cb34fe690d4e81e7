// Our Dockerfiles read as Docker would build them, for the checks in this package: the stages in
// order, and for each target the image it produces (environment, user, command, health check),
// with what a stage inherits from the stage it starts FROM. Parsing is dockerfile-ast's (the
// parser behind VS Code's Dockerfile support); this module only follows the stages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Env } from 'dockerfile-ast';
import { COMPOSE_DIR } from './compose-file.ts';

export const DOCKERFILE = join(COMPOSE_DIR, '..', 'Dockerfile');
export const SUPERSET_DOCKERFILE = join(COMPOSE_DIR, 'superset', 'Dockerfile');

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** 1-based, for messages. */
  readonly line: number;
}

export interface Stage {
  readonly name: string | null;
  /** The image or earlier stage after FROM. */
  readonly from: string;
  readonly instructions: readonly Instruction[];
  readonly env: Readonly<Record<string, string>>;
}

/** What a built target runs with. */
export interface Image {
  /** The external base image at the root of the stage chain. */
  readonly base: string;
  readonly env: Readonly<Record<string, string>>;
  readonly user: string | null;
  readonly workdir: string | null;
  readonly cmd: readonly string[] | null;
  /** The HEALTHCHECK command, or 'NONE', or null when none is set. */
  readonly healthcheck: readonly string[] | 'NONE' | null;
}

export class DockerfileError extends Error {
  override readonly name = 'DockerfileError';
}

/** Exec form (`["a","b"]`) as a list; shell form as `/bin/sh -c <text>`, as Docker runs it. */
function execForm(args: string): string[] {
  const text = args.trim();
  if (text.startsWith('[')) return JSON.parse(text) as string[];
  return ['/bin/sh', '-c', text];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: {
    name: string | null;
    from: string;
    instructions: Instruction[];
    env: Record<string, string>;
  }[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArgumentsContent() ?? '';
    const line = instruction.getRange().start.line + 1;
    if (keyword === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const as = words.findIndex((w) => w.toLowerCase() === 'as');
      stages.push({
        name: as >= 0 ? (words[as + 1] ?? null) : null,
        from: words[0] ?? '',
        instructions: [],
        env: {},
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new DockerfileError(`line ${line}: ${keyword} before any FROM`);
    stage.instructions.push({ keyword, args, line });
    if (keyword === 'ENV')
      for (const p of (instruction as Env).getProperties())
        stage.env[p.getName()] = p.getUnescapedValue() ?? '';
  }
  return stages;
}

export function readDockerfile(path: string = DOCKERFILE): Stage[] {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

/** The image that `docker build --target <target>` produces. */
export function imageOf(stages: readonly Stage[], target: string): Image {
  const chain: Stage[] = [];
  let stage = stages.find((s) => s.name === target);
  if (!stage) throw new DockerfileError(`no stage named ${target}`);
  while (stage) {
    chain.unshift(stage);
    const from: string = stage.from;
    stage = stages.slice(0, stages.indexOf(stage)).find((s) => s.name === from);
  }
  const image = {
    base: chain[0]?.from ?? '',
    env: {} as Record<string, string>,
    user: null as string | null,
    workdir: null as string | null,
    cmd: null as string[] | null,
    healthcheck: null as string[] | 'NONE' | null,
  };
  for (const s of chain) {
    for (const { keyword, args } of s.instructions) {
      if (keyword === 'USER') image.user = args.trim();
      else if (keyword === 'WORKDIR') image.workdir = args.trim();
      else if (keyword === 'CMD') image.cmd = execForm(args);
      else if (keyword === 'HEALTHCHECK') {
        const rest = args.replace(/^(\s*--\S+)*\s*/, '');
        image.healthcheck = /^NONE\b/i.test(rest) ? 'NONE' : execForm(rest.replace(/^CMD\s+/i, ''));
      }
    }
    Object.assign(image.env, s.env);
  }
  return image;
}
