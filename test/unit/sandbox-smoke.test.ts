import { expect } from '@open-wc/testing';

describe('browser tests reach a real sandbox and a real camera', () => {
  it('creates a verification and opens its flow over the capture API', async () => {
    const { url } = await (await fetch('/__sandbox/url')).json();
    const created = await (await fetch('/__sandbox/verifications', { method: 'POST' })).json();
    const flow = await (await fetch(`${url}/v1/flow/${created.verificationId}`)).json();
    expect(flow.status).to.equal('opened');
    expect(flow.deviceToken).to.be.a('string').and.not.equal('');
    const details = await (await fetch(`/__sandbox/verifications/${created.verificationId}`)).json();
    expect(details.status.current).to.equal('started');
  });

  it('gets frames from the fake camera', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    try {
      const [track] = stream.getVideoTracks();
      expect(track!.readyState).to.equal('live');
    } finally {
      for (const track of stream.getTracks()) track.stop();
    }
  });
});
