/**
 * The form's values are personal data: the operator's server gets them from okID (details'
 * `results.form_data`, the outcome webhook), but the proxy never hands them to a browser. Real
 * HTTP end to end: the sandbox sends signed webhooks to the proxy, a browser-like client reads
 * the snapshot and the event stream, and neither — nor any log line — carries a typed value.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryHub, createOkidProxy } from '../../src/server/index.js';
import type { OkidProxy } from '../../src/server/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { API_KEY, createV2, listen } from './proxy-helpers.js';
import { openStream } from './sse-helpers.js';

const SECRET = 'whsec_form_privacy';
const PERSON = { given_names: 'Quillon Zebediah', family_name: 'Vantablack-Ørsted', date_of_birth: '1977-07-17', email: 'quillon.private@example.org' };

async function phoneFlow(api: string, id: string): Promise<void> {
  const flow = (await (await fetch(`${api}/v1/flow/${id}`)).json()) as { deviceToken: string; liveness: { prompts: string[] } };
  const device = { 'X-Okid-Device': flow.deviceToken };
  const post = async (path: string, body?: unknown) => {
    const response = await fetch(`${api}/v1/flow/${id}${path}`, {
      method: 'POST',
      headers: { ...device, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(response.ok, `${path}: ${response.status} ${await response.text()}`);
  };
  await post('/terms');
  const kinds = ['document_front', 'selfie', ...flow.liveness.prompts.map((_, n) => `liveness_${n}`)];
  for (const kind of kinds) {
    const put = await fetch(`${api}/v1/flow/${id}/captures/${kind}`, { method: 'PUT', headers: { ...device, 'Content-Type': 'image/jpeg' }, body: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) });
    assert.equal(put.status, 201);
  }
  await post('/form', PERSON);
  await post('/submit', { documentType: 'passport' });
}

describe('form values and the proxy', () => {
  it('the snapshot, the event stream and the logs carry no value the person typed; the operator’s server has them', async () => {
    const logs: string[] = [];
    const logger = { warn: (...args: unknown[]) => void logs.push(JSON.stringify(args)), error: (...args: unknown[]) => void logs.push(JSON.stringify(args)) };
    let okid: OkidProxy | undefined;
    const http = await listen((req, res) => okid!.node(req, res));
    const webhooks: string[] = [];
    const sandbox = await startSandbox({
      port: 0,
      processingDelayMs: 50,
      webhookUrl: `${http.url}/okid/webhooks`,
      webhookSecret: SECRET,
      log: (line) => void logs.push(line),
    });
    okid = createOkidProxy({ apiKey: API_KEY, baseUrl: sandbox.url, webhookSecret: SECRET, hub: createMemoryHub(), logger, authorize: 'public', pollIntervalMs: 60_000 });
    // The operator's server reads what okID sent it: the proxy's webhook route sees the raw body.
    const intake = http.url;
    try {
      const id = await createV2(sandbox.url, { sandbox_flow: ['terms', 'document', 'liveness', 'form_data'] });
      const stream = await openStream(`${intake}/okid/verifications/${id}/events`);
      await stream.status('created');
      await phoneFlow(sandbox.url, id);
      const done = await stream.status('completed', 5000);
      assert.deepEqual(done.progress, { terms: 'completed', document: 'completed', liveness: 'completed', form_data: 'completed' });
      const snapshot = await (await fetch(`${intake}/okid/verifications/${id}`)).text();
      await stream.waitEnd();
      const streamed = stream.events.map((e) => e.data).join('\n');
      // The operator's server has the values from okID.
      const details = (await (await fetch(`${sandbox.url}/api/get-verification-details/${id}`, { headers: { 'X-SDK-Key': API_KEY } })).json()) as { results: { form_data: unknown } };
      assert.deepEqual(details.results.form_data, PERSON);
      // The proxy publishes what its re-read found before it answers the delivery, so the sandbox
      // may log the delivery a moment after the stream's last event: wait for that line.
      const delivered = () => logs.some((line) => line.startsWith('webhook ') && /verification\.completed .*delivered/.test(line));
      for (let waited = 0; !delivered() && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      webhooks.push(...logs.filter((line) => line.startsWith('webhook ')));
      assert.ok(delivered(), 'the outcome webhook (with the values) reached the proxy');
      for (const value of Object.values(PERSON)) {
        for (const part of [value, ...value.split(/[\s@.-]+/).filter((p) => p.length > 3)]) {
          assert.ok(!snapshot.includes(part), `the snapshot carries "${part}"`);
          assert.ok(!streamed.includes(part), `the event stream carries "${part}"`);
          assert.ok(!logs.some((line) => line.includes(part)), `a log line carries "${part}"`);
        }
      }
      assert.ok(!snapshot.includes('form_data":{'), 'no form values object in the snapshot');
    } finally {
      await okid.close();
      await sandbox.close();
      await http.close();
    }
  });
});
