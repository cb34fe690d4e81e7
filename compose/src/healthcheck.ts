// The health check of our images (the Dockerfile's HEALTHCHECK and compose's `healthcheck`):
// `node compose/src/healthcheck.ts <service>` exits 0 when the service in this container is healthy,
// else 1 with one line saying why (docker inspect shows it).
import { checkHealth } from './check-health.ts';

const why = await checkHealth(process.argv[2] ?? '');
if (why) console.error(`unhealthy: ${why}`);
process.exit(why ? 1 : 0);
