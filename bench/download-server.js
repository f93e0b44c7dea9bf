// The download bench's HTTP server, in a process of its own so it shares no event loop or thread with the client
// being measured. It serves one file with Range support and answers the bench over IPC: `served` (bytes sent so
// far) and `cut` (reset the next response's connection after that many bytes).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';

const file = process.argv[2];
let served = 0;
let cutAt;

const server = createServer(async (req, res) => {
  const { size: length } = await stat(file);
  let start = 0;
  let end = length - 1;
  const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const headers = { 'accept-ranges': 'bytes', etag: '"bench"', 'content-type': 'application/octet-stream' };
  if (match) {
    start = Number(match[1]);
    end = match[2] === '' ? end : Math.min(end, Number(match[2]));
    res.writeHead(206, {
      ...headers,
      'content-range': `bytes ${start}-${end}/${length}`,
      'content-length': end - start + 1,
    });
  } else {
    res.writeHead(200, { ...headers, 'content-length': length });
  }
  const limit = cutAt === undefined ? end : Math.min(end, cutAt - 1);
  const cutting = limit < end;
  cutAt = undefined;
  const stream = createReadStream(file, { start, end: limit, highWaterMark: 1 << 20 });
  stream.on('data', (chunk) => (served += chunk.length));
  stream.on('end', () => {
    if (cutting) res.socket?.destroy();
  });
  stream.pipe(res, { end: !cutting });
  res.on('close', () => stream.destroy());
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => process.send({ origin: `http://127.0.0.1:${server.address().port}` }));

process.on('message', (message) => {
  if (message.type === 'served') process.send({ id: message.id, bytes: served });
  if (message.type === 'cut') {
    cutAt = message.at;
    process.send({ id: message.id });
  }
});
process.on('disconnect', () => process.exit(0));
