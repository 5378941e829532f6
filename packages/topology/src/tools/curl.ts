/**
 * `curl` for HTTP/1.1 over the host's stack, with the options scripts use most (-s, -i, -I,
 * -X, -d, -H, -m, -w '%{http_code}'). The request goes through Node's HTTP client on the
 * host's own sockets (`@vnet/netstack/node`), so it speaks exactly what Node speaks.
 */
import { nodeModules } from '@vnet/netstack/node';
import { usage } from './args.js';
import type { IperfHost } from './iperf.js';

const USAGE = "usage: curl [-s] [-i|-I] [-X METHOD] [-d DATA] [-H 'Name: value'] [-m SECONDS] [-w '%{http_code}'] URL";

export interface CurlHost extends IperfHost {
  /** The network's host names and addresses. */
  hosts: Record<string, string>;
}

export async function curl(host: CurlHost, args: string[], write: (text: string) => void, signal?: AbortSignal): Promise<void> {
  let method: string | undefined;
  let data: string | undefined;
  let include = false;
  let head = false;
  let maxTime = 0;
  let writeOut: string | undefined;
  const headers: Record<string, string> = {};
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw usage('curl', `option ${a}: requires parameter; ${USAGE}`);
      return v;
    };
    if (a === '-s' || a === '--silent' || a === '-S' || a === '-sS') continue;
    else if (a === '-i' || a === '--include') include = true;
    else if (a === '-I' || a === '--head') head = true;
    else if (a === '-X' || a === '--request') method = value().toUpperCase();
    else if (a === '-d' || a === '--data') data = value();
    else if (a === '-H' || a === '--header') {
      const h = value();
      const colon = h.indexOf(':');
      if (colon <= 0) throw usage('curl', `bad header "${h}": write it as 'Name: value'`);
      headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
    } else if (a === '-m' || a === '--max-time') maxTime = Number(value());
    else if (a === '-w' || a === '--write-out') writeOut = value();
    else if (a.startsWith('-')) throw usage('curl', `option ${a}: is unknown here; ${USAGE}`);
    else url = a;
  }
  if (!url) throw usage('curl', `no URL specified; ${USAGE}`);
  const target = new URL(/^[a-z]+:\/\//i.test(url) ? url : `http://${url}`);
  if (target.protocol !== 'http:')
    throw usage('curl', `(1) Protocol "${target.protocol.slice(0, -1)}" not supported (only http on a vnet host)`);
  if (data !== undefined && headers['Content-Type'] === undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const modules = nodeModules(host.stack, { lookup: (name) => host.hosts[name], onActivity: () => host.kick() });
  try {
    await new Promise<void>((resolve, reject) => {
      const req = modules.http.request(
        target,
        {
          method: method ?? (head ? 'HEAD' : data !== undefined ? 'POST' : 'GET'),
          headers: { 'User-Agent': 'curl/vnet', ...headers },
          agent: false,
        },
        (res) => {
          if (include || head) {
            write(`HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}\r\n`);
            for (let k = 0; k < res.rawHeaders.length; k += 2) write(`${res.rawHeaders[k]}: ${res.rawHeaders[k + 1]}\r\n`);
            write('\r\n');
          }
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => write(chunk));
          res.on('end', () => {
            if (writeOut !== undefined) write(writeOut.replaceAll('%{http_code}', String(res.statusCode)).replaceAll('\\n', '\n'));
            resolve();
          });
          res.on('error', reject);
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => reject(curlError(e, target)));
      if (maxTime > 0)
        req.setTimeout(maxTime * 1000, () => req.destroy(usage('curl', `(28) Operation timed out after ${maxTime * 1000} milliseconds`)));
      signal?.addEventListener('abort', () => req.destroy(usage('curl', 'interrupted')), { once: true });
      req.end(data);
      host.kick();
    });
  } finally {
    modules.closeAll();
    host.kick();
  }
}

/** curl's messages for the errors a connection meets. */
function curlError(e: NodeJS.ErrnoException, url: URL): Error {
  const port = url.port || '80';
  if (e.code === 'ECONNREFUSED') return usage('curl', `(7) Failed to connect to ${url.hostname} port ${port}: Connection refused`);
  if (e.code === 'ENOTFOUND') return usage('curl', `(6) Could not resolve host: ${url.hostname}`);
  if (e.code === 'ENETUNREACH') return usage('curl', `(7) Failed to connect to ${url.hostname} port ${port}: Network is unreachable`);
  if (e.code === 'ECONNRESET') return usage('curl', '(56) Recv failure: Connection reset by peer');
  return e.name === 'TopologyError' ? e : usage('curl', `(56) ${e.message}`);
}
