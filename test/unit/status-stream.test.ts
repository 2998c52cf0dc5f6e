import { expect } from '@open-wc/testing';
import { ID, mount, ok, record, scriptedProxy, sleep, snapshot, sseStatus, text, until } from './helpers.js';

const done = { terms: 'completed', document: 'completed', liveness: 'completed' } as const;

describe('<okid-verify> live status through the event stream', () => {
  it('follows the phone through the stream, with polling at rest, and fires okid-complete once', async () => {
    const proxy = await scriptedProxy({
      poll: [ok(snapshot())],
      events: [
        {
          status: 200,
          gapMs: 150,
          sse: [
            'retry: 500',
            sseStatus(snapshot(), '1'),
            sseStatus(snapshot({ status: 'opened' }), '2'),
            sseStatus(snapshot({ status: 'in_progress', progress: { terms: 'completed', document: 'pending', liveness: 'pending' } }), '3'),
            sseStatus(snapshot({ status: 'processing', progress: done }), '4'),
            sseStatus(snapshot({ status: 'completed', outcome: 'verified', progress: done }), '5'),
          ],
        },
      ],
    });
    // Polls 3 s apart: any poll past the first would mean polling did not rest while streaming.
    const el = await mount(proxy.url, { 'poll-interval': '3000' });
    const events = record(el);
    await until(() => text(el).includes('You are verified'), 'outcome through the stream');
    await sleep(600);
    expect(events.filter((e) => e.type === 'okid-complete')).to.have.length(1);
    expect(events.filter((e) => e.type === 'okid-status').map((e) => e.detail.status)).to.deep.equal([
      'created',
      'opened',
      'in_progress',
      'processing',
      'completed',
    ]);
    expect((await proxy.requests()).length, 'one poll for the first paint, none while the stream is open').to.be.at.most(2);
    expect(await proxy.streams()).to.have.length(1);
  });

  it('polls when the proxy offers no stream', async () => {
    const proxy = await scriptedProxy([ok(snapshot()), ok(snapshot({ status: 'opened' }))]);
    const el = await mount(proxy.url);
    await until(() => text(el).includes('Continue on your phone'), 'status by polling');
    expect((await proxy.streams()).length).to.equal(1);
    expect(el.shadowRoot!.querySelector('[part="banner"]'), 'a missing stream is no outage').to.equal(null);
  });

  it('polls while a dropped stream reconnects, resumes the stream with Last-Event-ID, and repeats nothing', async () => {
    const proxy = await scriptedProxy({
      // While the stream is down, polling sees the phone go on.
      poll: [ok(snapshot()), ok(snapshot({ status: 'in_progress', progress: { terms: 'completed' } }))],
      events: [
        { status: 200, sse: ['retry: 1500', sseStatus(snapshot(), '1'), sseStatus(snapshot({ status: 'opened' }), '2')], gapMs: 100, holdMs: 300 },
        {
          status: 200,
          gapMs: 100,
          sse: [
            sseStatus(snapshot({ status: 'in_progress', progress: { terms: 'completed' } }), '3'),
            sseStatus(snapshot({ status: 'completed', outcome: 'verified', progress: done }), '4'),
          ],
        },
      ],
    });
    const el = await mount(proxy.url);
    const events = record(el);
    await until(() => text(el).includes('You are verified'), 'outcome after the reconnect', 8000);
    await sleep(500);
    const statuses = events.filter((e) => e.type === 'okid-status').map((e) => e.detail.status);
    expect(statuses).to.deep.equal(['created', 'opened', 'in_progress', 'completed']);
    expect(events.filter((e) => e.type === 'okid-complete')).to.have.length(1);
    const streams = await proxy.streams();
    expect(streams).to.have.length(2);
    expect(streams[1]!.headers['last-event-id']).to.equal('2');
    const polls = await proxy.requests();
    expect(polls.length, 'polled during the gap').to.be.at.least(2);
    expect(polls.at(-1)!.at).to.be.lessThan(streams[1]!.at + 400);
    expect(el.verificationId).to.equal(ID);
  });
});

describe('<okid-verify> when transports disagree or inputs are odd', () => {
  it('never moves backwards when the stream lags behind a poll', async () => {
    const proxy = await scriptedProxy({
      poll: [ok(snapshot({ status: 'processing', progress: done }))],
      events: [
        {
          status: 200,
          gapMs: 250,
          sse: [
            sseStatus(snapshot({ status: 'in_progress', progress: { terms: 'completed' } })),
            sseStatus(snapshot({ status: 'completed', outcome: 'verified', progress: done })),
          ],
        },
      ],
    });
    const el = await mount(proxy.url);
    const events = record(el);
    await until(() => text(el).includes('You are verified'), 'outcome');
    const statuses = events.filter((e) => e.type === 'okid-status').map((e) => e.detail.status);
    expect(statuses).to.not.include('in_progress');
    expect(statuses.at(-1)).to.equal('completed');
  });

  it('clears the connection banner when news arrives through the stream', async () => {
    const proxy = await scriptedProxy({
      poll: [{ status: 502, body: { error: 'upstream', code: 'UPSTREAM_ERROR' } }],
      events: [{ status: 200, gapMs: 700, sse: [sseStatus(snapshot({ status: 'opened' }))] }],
    });
    const el = await mount(proxy.url);
    await until(() => text(el).includes('Continue on your phone'), 'stream news');
    await until(() => !text(el).includes('Connection lost'), 'banner cleared');
  });

  it('treats an unreadable poll-interval as the default instead of asking in a loop', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    await mount(proxy.url, { 'poll-interval': 'abc' });
    await sleep(700);
    expect((await proxy.requests()).length).to.be.at.most(2);
  });

  it('reports a handoff URL too long for a QR code as CONFIG_INVALID, without throwing', async () => {
    const proxy = await scriptedProxy([ok(snapshot())]);
    const el = document.createElement('okid-verify');
    const events = record(el);
    el.setAttribute('mode', 'handoff');
    el.setAttribute('proxy-url', proxy.url);
    el.setAttribute('process-token', 'ver_unitTest1234');
    el.setAttribute('handoff-url', `https://op.example/{id}?pad=${'x'.repeat(3000)}`);
    document.body.append(el);
    try {
      await until(() => events.length > 0, 'an event');
      expect(events[0]!.detail.code).to.equal('CONFIG_INVALID');
      expect(text(el)).to.contain('too long for a QR code');
      await sleep(300);
      expect(await proxy.requests()).to.have.length(0);
    } finally {
      el.remove();
    }
  });

  it("reads a JSON 404 that is not the proxy's verification answer as a wrong proxy-url", async () => {
    const proxy = await scriptedProxy([{ status: 404, body: { error: 'Not found', code: 'NOT_FOUND' } }]);
    const el = await mount(proxy.url);
    const events = record(el);
    await until(() => events.some((e) => e.type === 'okid-error'), 'error');
    expect(events.find((e) => e.type === 'okid-error')!.detail.code).to.equal('CONFIG_INVALID');
  });
});
