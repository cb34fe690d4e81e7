export {
  dataNodesOf,
  type Endpoints,
  endpointsOf,
  type InfraConfig,
  kafkaNodesOf,
  port,
  positiveInt,
  REPO_ROOT,
  readInfraConfig,
} from './config.ts';
export { causeCode, errorText, InfraError } from './errors.ts';
export { dataNodeRole, hdfsProcesses } from './hdfs-server.ts';
export {
  hdfsUp,
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
export { kafkaProcesses, kafkaRole } from './kafka-server.ts';
export { postgresDirs } from './postgres-server.ts';
export { checkJava, freePort, javaCommand } from './prereqs.ts';
