import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * moto 5.2.1 checks If-None-Match / If-Match and then writes, in two steps on a threaded server
 * (moto/s3/responses.py, put_object), so two requests arriving together could in principle both
 * pass the check. S3 makes the check and the write one atomic step. This proxy forwards one
 * request at a time to moto, which gives moto S3's atomicity, so a race test that sees two
 * winners is our bug, never moto's. Test harness only.
 */
export async function serialProxy(target: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const upstream = new URL(target);
  let queue: Promise<void> = Promise.resolve();
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer) =>
    new Promise<void>((done) => {
      const proxied = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
          response.on('end', done);
          response.on('error', () => done());
        },
      );
      proxied.on('error', (error) => {
        outgoing.writeHead(502).end(error.message);
        done();
      });
      proxied.end(body);
    });
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      queue = queue.then(() => forward(incoming, outgoing, Buffer.concat(chunks)));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise((done) => server.close(() => done())),
  };
}
