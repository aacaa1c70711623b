// The in-run ceiling: a bare node:http server answering a fixed JSON body of a given size.
import http from 'node:http';

const size = Number(process.env.BODY_SIZE || 600);
const body = JSON.stringify({ pad: 'x'.repeat(Math.max(0, size - 10)) });
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
