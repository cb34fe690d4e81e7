export { type Endpoints, endpointsOf, type InfraConfig, REPO_ROOT, readInfraConfig } from './config.ts';
export { InfraError } from './errors.ts';
export {
  infraDown,
  infraStatus,
  infraUp,
  kafkaDown,
  kafkaUp,
  postgresDown,
  postgresUp,
  type UpResult,
} from './infra.ts';
export { COMPONENTS, type Component, ensureJars, type JarOptions } from './jars.ts';
export { postgresDirs } from './postgres-server.ts';
export { checkJava, freePort, javaCommand } from './prereqs.ts';
