// The face check's step logic without a camera: what it keeps (the captures still missing), the
// hint it gives when a prompt does not pass, and when it offers the camera app. Time is injected.
import { expect } from '@open-wc/testing';
import { FaceCoach, HINT_AFTER_MS, OFFER_FILES_AFTER_MS, problemOf } from '../../src/capture/face/face-coach.js';
import type { FaceObservation } from '../../src/capture/face/face-geometry.js';
import { LivenessTracker } from '../../src/capture/face/liveness-tracker.js';
import { livenessConfirmed, missingFaceCaptures, resumePoint } from '../../src/capture/progress/resume.js';
import { promptOfCapture } from '../../src/capture/steps/liveness-step.js';

const face = (yaw: number | undefined): FaceObservation => ({ box: { x: 0.3, y: 0.26, width: 0.4, height: 0.48 }, ...(yaw === undefined ? {} : { yaw }) });

/** Feeds the coach one look every 300 ms from `from` to `to`; the advice at `to`. */
function watch(coach: FaceCoach, faces: FaceObservation[], from: number, to: number, brightness = 120) {
  for (let now = from; now <= to; now += 300) coach.see({ faces, brightness }, now);
  return coach.advice(to);
}

describe('face check: what is kept', () => {
  const flow = { liveness: { enabled: true as const, prompts: ['left' as const, 'right' as const] }, progress: { terms: 'completed' as const, document: 'completed' as const }, documentTypes: [] };
  const local = (...confirmed: string[]) => ({ documentType: 'id_card' as const, confirmed: new Set(confirmed) });

  it('asks only for the face captures still missing, in order, the selfie first', () => {
    expect(missingFaceCaptures(flow, local())).to.deep.equal([0, 1, 2]);
    // The selfie and the second prompt passed live: only the first prompt is asked again.
    expect(missingFaceCaptures(flow, local('selfie', 'liveness_1'))).to.deep.equal([1]);
    expect(livenessConfirmed(flow, local('selfie', 'liveness_0', 'liveness_1'))).to.equal(true);
    expect(resumePoint(flow, local('selfie', 'liveness_0'))).to.deep.equal({ name: 'liveness_intro' });
    expect(resumePoint(flow, local('selfie', 'liveness_0', 'liveness_1'))).to.deep.equal({ name: 'sending' });
  });

  it('names the pose of each face capture: the selfie looks straight, then the prompts', () => {
    expect([0, 1, 2].map((i) => promptOfCapture(['left', 'right'], i))).to.deep.equal(['straight', 'left', 'right']);
  });

  it('a tracker over the missing prompts only: a face that never turns passes the selfie, then waits on the turn', () => {
    const tracker = new LivenessTracker(['straight', 'left'], { holdMs: 500 });
    const states = Array.from({ length: 40 }, (_, i) => tracker.update([face(3)], i * 300));
    expect(states.filter((s) => s.captureNow).map((s) => s.prompt)).to.deep.equal(['straight']);
    expect(states.at(-1)).to.include({ prompt: 'left', index: 1, guidance: 'turn_left' });
  });

  it('a prompt left for the camera app is skipped without a frame; the live check goes on with the next', () => {
    const tracker = new LivenessTracker(['left', 'straight', 'right'], { holdMs: 300 });
    expect(tracker.update([face(2)], 0)).to.include({ prompt: 'left', captureNow: false });
    tracker.skip();
    const states = Array.from({ length: 5 }, (_, i) => tracker.update([face(2)], 100 + i * 100));
    expect(states.filter((s) => s.captureNow).map((s) => [s.index, s.prompt])).to.deep.equal([[1, 'straight']]);
    tracker.skip();
    expect(tracker.update([face(2)], 700)).to.include({ guidance: 'done', captureNow: false });
  });
});

describe('FaceCoach', () => {
  it('says nothing for the first seconds, then what to try, then offers the camera app after 10 s', () => {
    const coach = new FaceCoach();
    coach.ask(1, 'left', 0);
    expect(watch(coach, [face(4)], 0, HINT_AFTER_MS - 300)).to.deep.equal({ offerFiles: false });
    expect(watch(coach, [face(8)], HINT_AFTER_MS, HINT_AFTER_MS + 600)).to.deep.equal({ hint: 'turn_further', offerFiles: false });
    expect(watch(coach, [face(8)], HINT_AFTER_MS + 900, OFFER_FILES_AFTER_MS)).to.deep.equal({ hint: 'turn_further', offerFiles: true });
    expect(HINT_AFTER_MS).to.be.within(4000, 5000);
    expect(OFFER_FILES_AFTER_MS).to.equal(10_000);
  });

  it('starts the clock over when the next prompt is asked, not when the same one is asked again', () => {
    const coach = new FaceCoach();
    coach.ask(0, 'straight', 0);
    coach.ask(0, 'straight', 9_000);
    expect(coach.advice(10_000).offerFiles).to.equal(true);
    coach.ask(1, 'left', 10_000);
    expect(watch(coach, [face(0)], 10_000, 19_700)).to.deep.equal({ hint: 'turn_further', offerFiles: false });
    expect(coach.advice(20_000).offerFiles).to.equal(true);
  });

  it('names the most common problem of the last looks: no face, too dark, the other way, not facing the camera', () => {
    const hintAfter = (prompt: 'straight' | 'left' | 'right', faces: FaceObservation[], brightness = 120) => {
      const coach = new FaceCoach();
      coach.ask(0, prompt, 0);
      return watch(coach, faces, 0, 6_000, brightness).hint;
    };
    expect(hintAfter('left', [])).to.equal('face_hidden');
    expect(hintAfter('left', [], 25)).to.equal('more_light');
    expect(hintAfter('left', [face(5)], 25), 'a face seen in the dark, not turned').to.equal('more_light');
    expect(hintAfter('left', [face(-30)])).to.equal('turn_other_way');
    expect(hintAfter('right', [face(30)])).to.equal('turn_other_way');
    expect(hintAfter('right', [face(-10)])).to.equal('turn_further');
    expect(hintAfter('straight', [face(25)])).to.equal('face_camera');
    // Only the last seconds count: a face lost long ago is not the problem now.
    const coach = new FaceCoach();
    coach.ask(0, 'left', 0);
    watch(coach, [], 0, 3_000);
    expect(watch(coach, [face(10)], 3_300, 7_000).hint).to.equal('turn_further');
  });

  it('has nothing to say of a pose held, or of one it cannot read', () => {
    expect(problemOf('left', { faces: [face(25)] })).to.equal(undefined);
    expect(problemOf('straight', { faces: [face(-5)] })).to.equal(undefined);
    expect(problemOf('up', { faces: [face(0)] })).to.equal(undefined);
    expect(problemOf('left', { faces: [face(undefined)] })).to.equal(undefined);
    const coach = new FaceCoach();
    coach.ask(0, 'left', 0);
    expect(watch(coach, [face(30)], 0, 6_000)).to.deep.equal({ offerFiles: false });
  });
});
