// The operator's own page script: asks its backend (the okid proxy's create route) for a
// verification and shows <okid-verify>. The "Simulate the phone" button plays the phone's
// part through the sandbox's capture API, for trying the demo without a phone.
const form = document.querySelector('#start');
const slot = document.querySelector('#verification');
const log = document.querySelector('#log');
const simulate = document.querySelector('#simulate');
let current;

function note(text) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  log.prepend(item);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const outcome = new FormData(form).get('outcome');
  const response = await fetch(`/okid/verifications?outcome=${encodeURIComponent(outcome)}`, { method: 'POST' });
  if (!response.ok) {
    note(`could not start: HTTP ${response.status}`);
    return;
  }
  current = await response.json();
  note(`created ${current.verificationId}`);
  const element = document.createElement('okid-verify');
  // process-token names the verification, verification-url is what the QR code holds (okID's
  // page, or another vendor's: OOTO-AI's flow, uqudo's reader link).
  element.setAttribute('process-token', current.verificationId);
  element.setAttribute('verification-url', current.verificationUrl);
  element.setAttribute('proxy-url', '/okid');
  element.setAttribute('mode', 'handoff');
  element.addEventListener('okid-status', (e) => note(`okid-status ${e.detail.status}`));
  element.addEventListener('okid-complete', (e) => note(`okid-complete ${e.detail.outcome}`));
  element.addEventListener('okid-error', (e) => note(`okid-error ${e.detail.code}: ${e.detail.message}`));
  slot.replaceChildren(element);
  // The simulation plays okID's capture API; with another vendor, open the QR code's link and press its buttons.
  simulate.hidden = !current.verificationUrl.includes('/verify?');
  if (simulate.hidden) note(`open ${current.verificationUrl} to play the phone`);
});

// A 1×1 JPEG, enough for the sandbox, which checks only that an image is a JPEG.
const JPEG = Uint8Array.from(
  atob(
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==',
  ),
  (c) => c.charCodeAt(0),
);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

simulate.addEventListener('click', async () => {
  if (!current) return;
  simulate.disabled = true;
  // On the LAN the sandbox answers https and plain http on one port. This computer's browser
  // has not accepted the phone's self-signed certificate, so a plain-http page uses http.
  const verifyUrl = new URL(current.verificationUrl);
  if (location.protocol === 'http:') verifyUrl.protocol = 'http:';
  const api = verifyUrl.origin;
  const flowUrl = `${api}/v1/flow/${current.verificationId}`;
  try {
    const flow = await (await fetch(flowUrl)).json();
    const headers = { 'X-Okid-Device': flow.deviceToken };
    await pause(1500);
    await fetch(`${flowUrl}/terms`, { method: 'POST', headers });
    const kinds = ['document_front', 'document_back', 'selfie', ...flow.liveness.prompts.map((_, i) => `liveness_${i}`)];
    for (const kind of kinds) {
      await pause(600);
      await fetch(`${flowUrl}/captures/${kind}`, {
        method: 'PUT',
        headers: { ...headers, 'Content-Type': 'image/jpeg', 'Idempotency-Key': crypto.randomUUID() },
        body: JPEG,
      });
    }
    await fetch(`${flowUrl}/submit`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ documentType: 'id_card' }),
    });
  } catch (error) {
    note(`simulation failed: ${error.message}`);
  } finally {
    simulate.disabled = false;
  }
});
