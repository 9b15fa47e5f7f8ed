#!/usr/bin/env node
// A Node service calling the LLM gateway over gRPC with @grpc/grpc-js and
// @grpc/proto-loader (the .proto files are loaded at run time; no generated
// code). Shows Generate, GenerateStream, Status and Budget, a deadline, a
// cancellation, and how to read the machine-readable error details of a
// failed call (google.rpc ErrorInfo, RetryInfo, BadRequest and the gateway's
// AttemptTrail). Prints one `name=value` line per result.
//
//   NODE_PATH=/opt/llmgw/npm/clients/node_modules \
//     node clients/node/example.js 127.0.0.1:50051 [PROTO_DIR]
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const addr = process.argv[2] || process.env.LLMGW_ADDR || '127.0.0.1:50051';
const protoDir = process.argv[3] || path.join(__dirname, '..', '..', 'proto');

const packageDefinition = protoLoader.loadSync('llmgateway/v1/gateway.proto', {
  includeDirs: [protoDir],
  keepCase: true,   // field names as in the .proto
  longs: String,    // int64 (nano-USD) as decimal strings: no precision loss
  enums: String,    // enum values by name
  defaults: true,
  oneofs: true,     // stream events say which oneof member is set
});
const { LlmGateway } = grpc.loadPackageDefinition(packageDefinition).llmgateway.v1;

// The error detail types, decoded with protobufjs (proto-loader's engine).
const detailsRoot = new protobuf.Root();
detailsRoot.resolvePath = (origin, target) =>
  target.includes('google/protobuf/') ? target : path.join(protoDir, target);
detailsRoot.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto',
  'llmgateway/v1/error_details.proto'], { keepCase: true });
const RpcStatus = detailsRoot.lookupType('google.rpc.Status');

const out = (name, value) => console.log(`${name}=${value}`);
const deadline = (ms) => new Date(Date.now() + ms);
const userRequest = (content, extra = {}) => ({
  model: 'gpt-4o-mini', messages: [{ role: 'ROLE_USER', content }], ...extra,
});

// Decodes grpc-status-details-bin (a google.rpc.Status) of a failed call:
// { ErrorInfo, RetryInfo, BadRequest, AttemptTrail } as plain objects.
function errorDetails(err) {
  const details = {};
  const [bin] = err.metadata ? err.metadata.get('grpc-status-details-bin') : [];
  if (!bin) return details;
  for (const any of RpcStatus.decode(bin).details) {
    const type = detailsRoot.lookupType(any.type_url.split('/').pop());
    details[type.name] = type.toObject(type.decode(any.value),
      { enums: String, longs: Number, defaults: true });
  }
  return details;
}

function reportError(prefix, err) {
  out(`${prefix}.code`, grpc.status[err.code]);
  const d = errorDetails(err);
  if (d.ErrorInfo) {
    out(`${prefix}.reason`, d.ErrorInfo.reason);
    out(`${prefix}.domain`, d.ErrorInfo.domain);
    if (d.ErrorInfo.metadata.provider) out(`${prefix}.provider`, d.ErrorInfo.metadata.provider);
  }
  if (d.RetryInfo) out(`${prefix}.retry_delay_s`, d.RetryInfo.retry_delay.seconds);
  if (d.BadRequest) out(`${prefix}.field`, d.BadRequest.field_violations[0].field);
  if (d.AttemptTrail) {
    for (const a of d.AttemptTrail.attempts) {
      out(`${prefix}.trail`, `${a.provider}/${a.model}:${a.outcome}:${a.http_status}`);
    }
  }
}

// Promise wrapper for a unary call; rejects with the grpc-js error.
const unary = (client, method, request, ms) => new Promise((resolve, reject) =>
  client[method](request, { deadline: deadline(ms) },
    (err, reply) => (err ? reject(err) : resolve(reply))));

async function main() {
  const client = new LlmGateway(addr, grpc.credentials.createInsecure());

  const reply = await unary(client, 'Generate', userRequest('hello gateway'), 10000);
  out('generate.text', reply.text);
  out('generate.provider', reply.provider);
  out('generate.cost_nano_usd', reply.cost_nano_usd);

  const deltas = [];
  let summary = null;
  await new Promise((resolve, reject) => {
    const call = client.GenerateStream(userRequest('stream this'), { deadline: deadline(10000) });
    call.on('data', (event) => {
      if (event.event === 'delta') deltas.push(event.delta.text);
      else if (event.event === 'summary') summary = event.summary;
    });
    call.on('error', reject);
    call.on('end', resolve);
  });
  out('stream.deltas', deltas.length);
  out('stream.text', deltas.join(''));
  out('stream.provider', summary.provider);

  const status = await unary(client, 'Status', {}, 5000);
  out('status.state', status.state);
  out('status.providers', status.providers.map((p) => p.name).join(','));

  const budget = await unary(client, 'Budget', {}, 5000);
  out('budget.limit_nano_usd', budget.limit_nano_usd);
  out('budget.spent_nano_usd', budget.spent_nano_usd);

  // A deadline that passes while the provider is slow.
  await unary(client, 'Generate', userRequest('slow'), 500)
    .catch((err) => out('deadline.code', grpc.status[err.code]));

  // Cancelling a call in flight.
  await new Promise((resolve) => {
    const call = client.Generate(userRequest('cancel me'), { deadline: deadline(10000) },
      (err) => { out('cancel.code', err ? grpc.status[err.code] : 'OK'); resolve(); });
    setTimeout(() => call.cancel(), 500);
  });

  // Errors a program can read: the provider rate-limits every attempt.
  await unary(client, 'Generate', userRequest('rate limited'), 10000)
    .catch((err) => reportError('ratelimit', err));

  // Invalid input: the field that is wrong, as a BadRequest violation.
  await unary(client, 'Generate', userRequest('hi', { max_tokens: -1 }), 5000)
    .catch((err) => reportError('invalid', err));

  client.close();
}

main().catch((err) => { console.error(err); process.exit(1); });
