// The ceiling for the collector benchmark: plain node:http that reads the body, parses the JSON and
// answers 204. No validation, no enrichment, no Kafka. Listens on 127.0.0.1:$PORT.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 0);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`bare-server: listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
