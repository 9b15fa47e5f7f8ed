// Drives the gateway's HTTP front with the official openai npm SDK, changing
// only baseURL. Usage: node openai_sdk_check.mjs <sdk dir> <port>
// Exits non-zero with a message on the first failed check.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const [sdkDir, port] = process.argv.slice(2);
const require = createRequire(sdkDir + '/package.json');
const OpenAI = require('openai').default ?? require('openai');

const client = new OpenAI({
  apiKey: 'sk-client-any', baseURL: `http://127.0.0.1:${port}/v1`,
  maxRetries: 0, timeout: 20000,
});

// Chat.
const chat = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hello from the sdk' }],
  max_tokens: 50,
});
assert.equal(chat.object, 'chat.completion');
assert.equal(chat.choices[0].message.role, 'assistant');
assert.equal(chat.choices[0].message.content, 'sdk answer');
assert.equal(chat.choices[0].finish_reason, 'stop');
assert.ok(chat.usage.total_tokens > 0);

// Raw response headers through the SDK.
const { response } = await client.chat.completions.create({
  model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }],
}).withResponse();
assert.equal(response.headers.get('x-llmgw-provider'), 'openai');
assert.ok(response.headers.get('x-request-id'));

// Streaming with usage.
const stream = await client.chat.completions.create({
  model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'stream please' }],
});
let text = '';
let usage = null;
let finish = null;
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  for (const c of chunk.choices) {
    text += c.delta?.content ?? '';
    if (c.finish_reason) finish = c.finish_reason;
  }
}
assert.equal(text, 'sdk answer');
assert.equal(finish, 'stop');
assert.ok(usage && usage.total_tokens > 0, 'usage chunk');

// An error: the SDK's own error classes and status.
try {
  await client.chat.completions.create({
    model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }],
    response_format: { type: 'json_object' },
  });
  assert.fail('expected a 400');
} catch (e) {
  assert.ok(e instanceof OpenAI.BadRequestError, String(e));
  assert.equal(e.status, 400);
  assert.equal(e.param, 'response_format');
  assert.equal(e.type, 'invalid_request_error');
}
try {
  await client.chat.completions.create({
    model: 'unknown-model-7', messages: [{ role: 'user', content: 'x' }],
  });
  assert.fail('expected a 404');
} catch (e) {
  assert.ok(e instanceof OpenAI.NotFoundError, String(e));
  assert.equal(e.status, 404);
}

// Models.
const models = [];
for await (const m of client.models.list()) models.push(m.id);
assert.ok(models.includes('openai/gpt-4o-mini'), models.join(','));
console.log('openai sdk: all checks passed');
