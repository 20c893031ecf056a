// Bundled Node.js handlers for lamsim serve and bench, run by the official AWS Lambda runtime
// interface client for Node: `node <aws-lambda-ric>/bin/index.mjs app.<handler>` (cwd = this
// folder). The same handlers as ../python/app.py, plus a streaming one.
//
// | handler      | event                                  | what it does                            |
// |--------------|----------------------------------------|-----------------------------------------|
// | app.echo     | anything                               | returns the event                       |
// | app.cpu      | {"cpu_ms": 20} or {"iterations": N}    | CPU-bound work                          |
// | app.ioWait   | {"wait_ms": 50}                        | waits without using CPU                 |
// | app.fail     | anything                               | rejects with a TypeError                |
// | app.context  | anything                               | returns what the runtime was given      |
// | app.stream   | {"chunks": 3, "gap_ms": 20}            | streams chunks (awslambda.streamifyResponse) |
'use strict';

const crypto = require('node:crypto');

exports.echo = async (event) => event;

exports.cpu = async (event) => {
  if (event.cpu_ms !== undefined) {
    const target = Number(event.cpu_ms) * 1e6;
    const start = process.cpuUsage();
    let rounds = 0;
    const spent = () => {
      const u = process.cpuUsage(start);
      return (u.user + u.system) * 1e3;
    };
    while (spent() < target) {
      for (let i = 0; i < 1000; i++) rounds ^= i;
      rounds += 1;
    }
    return { cpu_ms: event.cpu_ms, rounds };
  }
  const n = Number(event.iterations);
  const h = crypto.createHash('sha256');
  const b = Buffer.alloc(8);
  for (let i = 0; i < n; i++) {
    b.writeBigUInt64LE(BigInt(i));
    h.update(b);
  }
  return { iterations: n, digest: h.digest('hex').slice(0, 16) };
};

exports.ioWait = async (event) => {
  const ms = Number(event.wait_ms ?? 50);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { waited_ms: ms };
};

exports.fail = async () => {
  console.log('about to fail');
  throw new TypeError('failed on purpose');
};

exports.context = async (event, context) => ({
  request_id: context.awsRequestId,
  function_name: context.functionName,
  memory_limit_in_mb: context.memoryLimitInMB,
  invoked_function_arn: context.invokedFunctionArn,
  remaining_ms: context.getRemainingTimeInMillis(),
  region: process.env.AWS_REGION,
  handler: process.env._HANDLER,
  task_root: process.env.LAMBDA_TASK_ROOT,
  node: process.version,
});

// The response-streaming form: `awslambda` is a global the runtime client defines.
exports.stream = awslambda.streamifyResponse(async (event, responseStream) => {
  const chunks = Number(event.chunks ?? 3);
  const gap = Number(event.gap_ms ?? 20);
  responseStream.setContentType('text/plain');
  for (let i = 0; i < chunks; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, gap));
    responseStream.write(`chunk ${i}\n`);
  }
  responseStream.end();
});
