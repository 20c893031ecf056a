// An SQS batch worker: `exports.handler = async (event, context) => …` receiving an SQS event
// (`Records[]`, each with `messageId` and a JSON `body`), processing each message and reporting
// the failed ones with the partial-batch response (`batchItemFailures`, for an event source
// mapping with ReportBatchItemFailures), so only those are retried.
//
// A message body {"orderId": "...", "amount": N, "work": K} is processed (K KiB hashed as CPU
// work); a body that is not JSON, or has no orderId, fails that message only.
'use strict';

const crypto = require('node:crypto');

function processOrder(order) {
  const h = crypto.createHash('sha256');
  const block = Buffer.alloc(1024, 3);
  const kib = Math.min(Number(order.work) || 0, 1 << 20);
  for (let i = 0; i < kib; i++) h.update(block);
  h.update(String(order.orderId));
  return { orderId: order.orderId, amount: Number(order.amount) || 0, digest: h.digest('hex').slice(0, 16) };
}

exports.handler = async (event, context) => {
  const records = Array.isArray(event.Records) ? event.Records : [];
  const batchItemFailures = [];
  let total = 0;
  for (const record of records) {
    try {
      const order = JSON.parse(record.body);
      if (!order || order.orderId === undefined) throw new Error('message has no orderId');
      total += processOrder(order).amount;
    } catch (e) {
      console.log(JSON.stringify({ level: 'WARN', messageId: record.messageId, error: e.message }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  console.log(JSON.stringify({
    level: 'INFO', requestId: context.awsRequestId, processed: records.length - batchItemFailures.length,
    failed: batchItemFailures.length, total,
  }));
  return { batchItemFailures };
};
