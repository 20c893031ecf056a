// An API handler (API Gateway REST "proxy" event in, proxy response out), as a Node.js Lambda
// function is usually written: `exports.handler = async (event, context) => …`.
//
// GET  /items/{id}  → the item (a deterministic record computed from the id)
// POST /items       → the JSON body, validated and echoed with a generated id (201)
// anything else     → 404; a body that is not JSON → 400
//
// `?work=N` hashes N KiB (CPU work) so that `bench` and `load` see memory-dependent durations.
'use strict';

const crypto = require('node:crypto');

// Module scope runs once per environment, during INIT (the cold start).
const started = Date.now();
let invocations = 0;

function json(statusCode, body) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

function work(kib) {
  let h = crypto.createHash('sha256');
  const block = Buffer.alloc(1024, 7);
  for (let i = 0; i < kib; i++) h.update(block);
  return h.digest('hex').slice(0, 16);
}

exports.handler = async (event, context) => {
  invocations += 1;
  const method = event.httpMethod || (event.requestContext && event.requestContext.http &&
    event.requestContext.http.method) || 'GET';
  const path = event.path || event.rawPath || '/';
  const query = event.queryStringParameters || {};
  const kib = Math.min(Number(query.work) || 0, 1 << 20);
  const digest = kib > 0 ? work(kib) : undefined;
  const meta = {
    requestId: context.awsRequestId,
    function: context.functionName,
    memoryMb: Number(context.memoryLimitInMB),
    remainingMs: context.getRemainingTimeInMillis(),
    invocations,
    environmentAgeMs: Date.now() - started,
    digest,
  };
  const item = path.match(/^\/items\/([^/]+)$/);
  if (method === 'GET' && item) {
    const id = decodeURIComponent(item[1]);
    const n = [...id].reduce((a, c) => a + c.charCodeAt(0), 0);
    return json(200, { item: { id, price: (n % 1000) / 10, stock: n % 17 }, meta });
  }
  if (method === 'POST' && path === '/items') {
    let body;
    try {
      const raw = event.isBase64Encoded
        ? Buffer.from(event.body || '', 'base64').toString('utf8') : event.body;
      body = JSON.parse(raw || '{}');
    } catch (e) {
      return json(400, { message: 'body is not JSON', meta });
    }
    if (typeof body.name !== 'string' || body.name.length === 0) {
      return json(400, { message: '"name" (a non-empty string) is required', meta });
    }
    return json(201, { item: { id: crypto.randomUUID(), ...body }, meta });
  }
  return json(404, { message: `no route for ${method} ${path}`, meta });
};
