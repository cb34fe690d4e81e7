// A floor for the collector benchmark: Fastify with the collector's routes and nothing else. It
// parses the JSON body and answers 200 with the collector's success body: no validation, no
// enrichment, no Kafka. What the framework alone costs on this machine. Listens on 127.0.0.1:$PORT.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
app.post('/v1/page', async () => ({ accepted: 1, rejected: [] }));
app.post('/v1/batch', async (req) => ({
  accepted: (req.body as { batch: unknown[] }).batch.length,
  rejected: [],
}));
await app.listen({ host: '127.0.0.1', port });
console.log(`fastify-floor: listening on ${port}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
