/**
 * Taps a person makes on the phone, counted on real runs: Chromium as a phone with the camera fed
 * by the generated document and face videos, the sandbox's /verify page, the standard flow (terms,
 * document, face check) beside the flow with okID's form step too, whose fields are filled by
 * tapping into each and typing (e2e/form-fill.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, devices } from 'playwright';
import type { BrowserContext, Page } from 'playwright';
import { faceCheckUntil, fillFormByTouch } from '../e2e/form-fill.js';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE, createVerification, startStack } from '../e2e/support.js';
import type { Stack } from '../e2e/support.js';
import { VIDEO_CACHE_DIR, documentVideo, faceVideo } from '../e2e/videos.js';

const PERSON = { given_names: 'Zoë Ann-Marie', family_name: "O'Brien-Núñez", date_of_birth: '1990-02-28', email: 'zoe.obrien@example.org' };

function launchPhone(profile: string, video: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    ...devices['Pixel 7'],
    executablePath: CHROMIUM_EXECUTABLE,
    args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
  });
}

/** One verification on the phone, from the link to the outcome; the taps (and keystrokes) it took. */
async function run(stack: Stack, work: string, flow: string): Promise<{ taps: number; formTaps: number; keystrokes: number }> {
  const created = await createVerification(stack, 'verified', flow);
  const profile = join(work, flow.replace(/,/g, '-'));
  const videos = { document: await documentVideo(VIDEO_CACHE_DIR), face: await faceVideo(VIDEO_CACHE_DIR) };
  let taps = 0;
  let phone = await launchPhone(profile, videos.document);
  let page: Page = phone.pages()[0] ?? (await phone.newPage());
  await page.goto(created.verificationUrl);
  let el = page.locator('okid-verify');
  const tap = async (name: string) => {
    await el.getByRole('button', { name, exact: true }).tap();
    taps++;
  };
  await tap('I agree, start');
  await tap('ID card');
  for (let side = 0; side < 2; side++) {
    await el.getByRole('heading', { name: 'Check the photo' }).waitFor({ timeout: 15_000 });
    await tap('Use this photo');
  }
  await el.getByRole('heading', { name: 'Now a quick face check' }).waitFor();
  // The front camera's video: the phone's browser opens again and the flow resumes.
  await phone.close();
  phone = await launchPhone(profile, videos.face);
  page = phone.pages()[0] ?? (await phone.newPage());
  await page.goto(created.verificationUrl);
  el = page.locator('okid-verify');
  await tap('Start');
  const outcome = el.locator('[part="outcome"]', { hasText: 'You are verified' });
  const withForm = flow.includes('form_data');
  taps += await faceCheckUntil(page, withForm ? el.getByRole('heading', { name: 'Your details' }) : outcome, work);
  let form = { taps: 0, keystrokes: 0 };
  if (withForm) form = await fillFormByTouch(page, PERSON);
  await el.locator('[part="outcome"]', { hasText: 'You are verified' }).waitFor({ timeout: 120_000 });
  await phone.close();
  return { taps: taps + form.taps, formTaps: form.taps, keystrokes: form.keystrokes };
}

/** Taps of the standard flow and of the flow with the form step, each counted on one real run. */
export async function captureTaps() {
  const stack = await startStack({}, 0);
  const work = await mkdtemp(join(tmpdir(), 'okid-bench-taps-'));
  try {
    const standard = await run(stack, work, 'terms,document,liveness');
    const withForm = await run(stack, work, 'terms,document,liveness,form_data');
    return { standardTaps: standard.taps, withFormTaps: withForm.taps, formTaps: withForm.formTaps, formKeystrokes: withForm.keystrokes };
  } finally {
    await stack.close();
    await rm(work, { recursive: true, force: true });
  }
}
