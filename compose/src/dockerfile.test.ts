// Nothing builds our images on machines without Docker, so the Dockerfiles are linted: by
// dockerfile-utils (the validator behind VS Code's Dockerfile support: unknown instructions, bad
// flags, malformed JSON forms, ...) and by our own rules: pinned base images, a non-root user,
// production dependencies only, a health check, and every workspace in the build.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { COMPOSE_DIR, COMPOSE_FILE, exampleVariables, loadCompose } from './compose-file.ts';
import { DOCKERFILE, imageOf, parseDockerfile, readDockerfile, SUPERSET_DOCKERFILE } from './dockerfile.ts';

const ROOT = join(COMPOSE_DIR, '..');
const stages = readDockerfile();
const targets = Object.values(loadCompose([COMPOSE_FILE], exampleVariables()).services)
  .map((s) => s.build?.target)
  .filter((t): t is string => t !== undefined);

/** An external image reference pinned to a version (x.y or x.y.z, optional suffix) or a digest. */
const PINNED = /^[\w./-]+(:\d+\.\d+(\.\d+)?(-[\w.-]+)?(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$/;

describe('the Dockerfiles', () => {
  it('are valid (dockerfile-utils finds nothing)', () => {
    for (const file of [DOCKERFILE, SUPERSET_DOCKERFILE])
      expect(validate(readFileSync(file, 'utf8')), file).toEqual([]);
    // The validator has teeth: a misspelt flag and a second CMD are reported.
    const bad = validate(
      'FROM node:24.22.3-bookworm-slim\nHEALTHCHECK --intervall=5s CMD true\nCMD ["a"]\nCMD ["b"]\n',
    );
    expect(bad.length).toBeGreaterThanOrEqual(2);
  });

  it('start from pinned images only', () => {
    for (const file of [DOCKERFILE, SUPERSET_DOCKERFILE]) {
      const all = parseDockerfile(readFileSync(file, 'utf8'));
      for (const stage of all) {
        const earlier = all.slice(0, all.indexOf(stage)).some((s) => s.name === stage.from);
        if (!earlier) expect(stage.from, file).toMatch(PINNED);
      }
    }
  });

  it('run every service compose builds as a non-root user, with a health check and a command', () => {
    expect(targets.length).toBeGreaterThanOrEqual(3);
    for (const target of targets) {
      const image = imageOf(stages, target);
      expect(image.user, target).toMatch(/^[a-z][\w-]*$/);
      expect(['root', '0'], target).not.toContain(image.user);
      expect(image.healthcheck, target).not.toBeNull();
      expect(image.cmd?.[0], target).toBe('node');
      expect(image.workdir, target).toBe('/app');
    }
    const superset = parseDockerfile(readFileSync(SUPERSET_DOCKERFILE, 'utf8'));
    const users = superset.flatMap((s) => s.instructions.filter((i) => i.keyword === 'USER'));
    expect(users.at(-1)?.args).toBe('superset');
  });

  it('install production dependencies only, from the lock file', () => {
    const runs = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args));
    const installs = runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/\bnpm ci --omit=dev\b/);
  });

  it('copy every workspace into the build (package.json before npm ci, the sources by .dockerignore)', () => {
    const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const deps = stages.find((s) => s.name === 'deps');
    const copies = deps?.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args) ?? [];
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const ws of workspaces) {
      expect(copies, ws).toContain(`${ws}/package.json ${ws}/`);
      expect(ignore, ws).toContain(`!${ws}/`);
    }
  });

  it('run the Node version CI tests on (.ci/run reads it from the first FROM)', () => {
    expect(stages[0]?.from).toMatch(/^node:\d+\.\d+\.\d+-/);
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toContain('Dockerfile');
  });
});
