// The baseline of every CPU figure: a plain `node:http` keep-alive POST to a device's port, and
// that loop run alone in a fresh process (`node --expose-gc bare-post.mjs HOST PORT BYTES`), so a
// reader can check that the baseline measured inside the bench is not inflated by our garbage.
import * as http from 'node:http';
import { fileURLToPath } from 'node:url';
import { rounds } from './rounds.mjs';

/** One POST of `body` to /app/request on `agent`'s kept-alive socket; resolves once read. */
export function barePost(agent, host, port, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        path: '/app/request',
        method: 'POST',
        agent,
        headers: { 'Content-Length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The bare POST as a kind for rounds(): its own agent, a body of `bytes`. */
export function barePostKind(host, port, bytes) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = Buffer.alloc(bytes, 1);
  return {
    name: 'bare keep-alive POST',
    once: () => barePost(agent, host, port, body),
    close: () => agent.destroy(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [host, port, bytes, roundCount, perRound] = process.argv.slice(2);
  const kind = barePostKind(host, Number(port), Number(bytes));
  const [result] = await rounds([kind], {
    rounds: Number(roundCount),
    perRound: Number(perRound),
  });
  kind.close();
  process.stdout.write(JSON.stringify(result));
}
