// Why: uhttpd's /ubus JSON-RPC endpoint (ubus.c @f682cca): request validation and error codes, object lookup
// before the ACL check, legacy `[status, data]` results, `list`, batches, and uhttpd's response headers (fixture 80).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionManager } from './rpcd-session.js';
import { blobJson, isPlainObject, jsonSignature, type Json, type JsonObject, type Ubus } from './ubus.js';

const ERRORS = {
  parse: [-32700, 'Parse error'],
  request: [-32600, 'Invalid request'],
  method: [-32601, 'Method not found'],
  params: [-32602, 'Invalid parameters'],
  internal: [-32603, 'Internal error'],
  object: [-32000, 'Object not found'],
  session: [-32001, 'Session not found'],
  access: [-32002, 'Access denied'],
  timeout: [-32003, 'ubus request timed out'],
} as const;

type ErrorName = keyof typeof ERRORS;

const MAX_POST_SIZE = 65536; // UH_UBUS_MAX_POST_SIZE

export interface JsonRpcDeps {
  bus: Ubus;
  sessions: () => SessionManager;
}

function rpcError(id: Json, e: ErrorName): JsonObject {
  const [code, message] = ERRORS[e];
  return { jsonrpc: '2.0', id, error: { code, message } };
}

/** uh_ubus_handle_request_object for one request object. */
export function handleRequestObject(deps: JsonRpcDeps, req: Json): JsonObject {
  // uhttpd answers non-objects with -32700; openwrt.md §6.2 documents -32600 "not an object/array" and the
  // brief asks for it: deliberate deviation from the uhttpd source, documented in the test table.
  if (!isPlainObject(req)) return rpcError(null, 'request');
  const id: Json = 'id' in req ? req.id! : null;
  if (req.jsonrpc !== '2.0' || typeof req.method !== 'string') return rpcError(id, 'parse');
  const params = req.params;
  if (req.method === 'call') {
    if (!Array.isArray(params)) return rpcError(id, 'parse');
    const [sid, object, method, args] = params;
    if (typeof sid !== 'string' || typeof object !== 'string' || typeof method !== 'string' || !isPlainObject(args)) return rpcError(id, 'parse');
    if (!deps.bus.lookup(object)) return rpcError(id, 'object');
    if (!deps.sessions().allowed(sid, 'ubus', object, method)) return rpcError(id, 'access');
    if ('ubus_rpc_session' in args) return rpcError(id, 'params');
    const r = deps.bus.invoke(object, method, args, { sid });
    const result: Json[] = [r.status];
    if (r.data && Object.keys(r.data).length > 0) result.push(r.data);
    return { jsonrpc: '2.0', id, result };
  }
  if (req.method === 'list') {
    if (!Array.isArray(params)) return { jsonrpc: '2.0', id, result: deps.bus.objects().map((o) => o.name) };
    const result: JsonObject = {};
    for (const p of params) {
      if (typeof p !== 'string') continue;
      for (const obj of deps.bus.lookupPattern(p)) result[obj.name] = jsonSignature(obj);
    }
    return { jsonrpc: '2.0', id, result };
  }
  return rpcError(id, 'method');
}

/** Whole POST body -> response body (single object or batch array). */
export function handleJsonRpcBody(deps: JsonRpcDeps, body: string): string {
  let parsed: Json;
  try {
    if (Buffer.byteLength(body) > MAX_POST_SIZE) throw new Error('too large');
    parsed = JSON.parse(body) as Json;
  } catch {
    return blobJson(rpcError(null, 'parse'));
  }
  if (Array.isArray(parsed)) return '[' + parsed.map((r) => blobJson(handleRequestObject(deps, r))).join(',') + ']';
  return blobJson(handleRequestObject(deps, parsed));
}

/** uhttpd's header block: no Server header, chunked, keep-alive (fixtures 78–81). */
export function uhttpdHeaders(res: ServerResponse, contentType: string | undefined, chunked = true): void {
  res.sendDate = false;
  res.setHeader('Connection', 'Keep-Alive');
  if (chunked) res.setHeader('Transfer-Encoding', 'chunked');
  res.setHeader('Keep-Alive', 'timeout=20');
  if (contentType) res.setHeader('Content-Type', contentType);
}

export function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** /ubus and /ubus/: GET 404, OPTIONS 200 empty, POST JSON-RPC (any Content-Type), others 400. */
export async function handleUbusHttp(deps: JsonRpcDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET') {
    res.statusCode = 404;
    res.statusMessage = 'Not Found';
    uhttpdHeaders(res, undefined);
    res.end();
    return;
  }
  if (req.method === 'OPTIONS') {
    res.statusCode = 200;
    res.statusMessage = 'OK';
    uhttpdHeaders(res, 'application/json', false);
    res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  if (req.method !== 'POST') {
    res.statusCode = 400;
    res.statusMessage = 'Bad Request';
    uhttpdHeaders(res, 'text/html');
    res.end('<h1>Bad Request</h1>Invalid Request');
    return;
  }
  const body = await readBody(req);
  res.statusCode = 200;
  res.statusMessage = 'OK';
  uhttpdHeaders(res, 'application/json');
  res.end(handleJsonRpcBody(deps, body));
}
