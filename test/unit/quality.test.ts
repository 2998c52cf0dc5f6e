import { expect } from '@open-wc/testing';
import { DEFAULT_THRESHOLDS, FrameSampler, SteadyGate, adviseFrame, measureFrame } from '../../src/capture/quality.js';
import type { FrameAdvice, FrameMetrics } from '../../src/capture/quality.js';

/** Camera frames as the document step gets them: 1280×720, downscaled by the sampler. */
const WIDTH = 1280;
const HEIGHT = 720;
/** Where the card lies in the 1280×720 scene (an ID-1 card, 85.6 × 54 mm). */
const CARD = { x: 190, y: 75, width: 900, height: 568 };

type Scene = 'sharp' | 'blurred' | 'glare' | 'dark' | 'overexposed' | 'white-card';

function canvas(width = WIDTH, height = HEIGHT): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const element = document.createElement('canvas');
  element.width = width;
  element.height = height;
  return [element, element.getContext('2d')!];
}

/** A document-like card on a dark table: header band, photo box, text lines, fine guilloche lines, an MRZ band. */
function drawCard(ctx: CanvasRenderingContext2D, cardColor = '#dfe6ea'): void {
  const table = ctx.createLinearGradient(0, 0, WIDTH, HEIGHT);
  table.addColorStop(0, '#3b322b');
  table.addColorStop(1, '#2a231e');
  ctx.fillStyle = table;
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  const { x, y, width, height } = CARD;
  ctx.save();
  ctx.beginPath();
  ctx.roundRect(x, y, width, height, 36);
  ctx.fillStyle = cardColor;
  ctx.fill();
  ctx.clip();
  ctx.strokeStyle = 'rgba(60, 110, 150, 0.35)';
  ctx.lineWidth = 1;
  for (let i = 0; i < 40; i++) {
    ctx.beginPath();
    for (let t = 0; t <= width; t += 8) ctx.lineTo(x + t, y + 150 + i * 10 + 14 * Math.sin(t / 37 + i / 3));
    ctx.stroke();
  }
  ctx.fillStyle = '#2d5a88';
  ctx.fillRect(x, y, width, 92);
  ctx.fillStyle = '#f1f4f7';
  ctx.font = 'bold 38px sans-serif';
  ctx.fillText('REPUBLIC OF OKID · IDENTITY CARD', x + 40, y + 60);
  ctx.fillStyle = '#9aa4ad';
  ctx.fillRect(x + 40, y + 120, 230, 290);
  ctx.fillStyle = '#5b4a40';
  ctx.beginPath();
  ctx.ellipse(x + 155, y + 225, 62, 78, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillRect(x + 65, y + 320, 180, 90);
  const fields = [
    ['SURNAME', 'MUSTERMANN'],
    ['GIVEN NAMES', 'ERIKA JANE'],
    ['DATE OF BIRTH', '12.08.1990'],
    ['DOCUMENT NO.', 'OK 1234567'],
  ];
  fields.forEach(([label, value], i) => {
    ctx.fillStyle = '#55626d';
    ctx.font = '20px sans-serif';
    ctx.fillText(label!, x + 310, y + 140 + i * 72);
    ctx.fillStyle = '#111820';
    ctx.font = 'bold 32px sans-serif';
    ctx.fillText(value!, x + 310, y + 174 + i * 72);
  });
  ctx.fillStyle = '#eef1f2';
  ctx.fillRect(x, y + height - 120, width, 120);
  ctx.fillStyle = '#111820';
  ctx.font = '30px monospace';
  ctx.fillText('IDOKD1234567<<<<<<<<<<<<<<<<<<<', x + 40, y + height - 72);
  ctx.fillText('MUSTERMANN<<ERIKA<JANE<<<<<<<<<', x + 40, y + height - 28);
  ctx.restore();
}

/** The scenes a user's camera produces, as 1280×720 canvases. */
function scene(kind: Scene): HTMLCanvasElement {
  const [sharp, sharpCtx] = canvas();
  drawCard(sharpCtx, kind === 'white-card' ? '#f2f2f0' : undefined);
  if (kind === 'sharp' || kind === 'white-card') return sharp;
  const [out, ctx] = canvas();
  if (kind === 'blurred') ctx.filter = 'blur(3px)';

  if (kind === 'dark') ctx.filter = 'brightness(0.25)';
  if (kind === 'overexposed') ctx.filter = 'brightness(4)';
  ctx.drawImage(sharp, 0, 0);
  ctx.filter = 'none';
  if (kind === 'glare') {
    // A lamp's reflection on the laminate: a blown-out core with a soft halo.
    const glare = ctx.createRadialGradient(760, 300, 0, 760, 300, 130);
    glare.addColorStop(0, 'rgba(255, 255, 255, 1)');
    glare.addColorStop(0.55, 'rgba(255, 255, 255, 1)');
    glare.addColorStop(1, 'rgba(255, 255, 255, 0)');
    ctx.fillStyle = glare;
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
  }
  return out;
}

const sampler = new FrameSampler();
/** The card's rectangle in pixels of a 320-wide sample of the scene. */
const SAMPLED_CARD = { x: CARD.x / 4, y: CARD.y / 4, width: CARD.width / 4, height: CARD.height / 4 };

function metricsOf(kind: Scene, region: typeof SAMPLED_CARD | null = SAMPLED_CARD): FrameMetrics {
  return measureFrame(sampler.sample(scene(kind), WIDTH, HEIGHT), region ?? undefined);
}

/** The advice a user would read for a scene, measured in the card's area as the overlay frames it. */
const adviceFor = (kind: Scene, region: typeof SAMPLED_CARD | null = SAMPLED_CARD): FrameAdvice => adviseFrame(metricsOf(kind, region));

describe('frame quality: the advice a user gets', () => {
  it('says ok for a sharp, evenly lit card, coloured or white', () => {
    expect(adviceFor('sharp')).to.equal('ok');
    expect(adviceFor('white-card')).to.equal('ok');
  });

  it('says blurry for the same card out of focus', () => {
    expect(adviceFor('blurred')).to.equal('blurry');
  });

  it('says glare for a lamp reflection on the card', () => {
    expect(adviceFor('glare')).to.equal('glare');
  });

  it('says too_dark in a dim room and too_bright when overexposed', () => {
    expect(adviceFor('dark')).to.equal('too_dark');
    expect(adviceFor('overexposed')).to.equal('too_bright');
  });

  it('separates sharp from blurred and glare from none with margin', () => {
    const { minSharpness, maxGlare } = DEFAULT_THRESHOLDS;
    const sharp = metricsOf('sharp');
    const blurred = metricsOf('blurred');
    expect(sharp.sharpness).to.be.above(minSharpness * 5);
    expect(blurred.sharpness).to.be.below(minSharpness / 2);
    expect(metricsOf('glare').glare).to.be.above(maxGlare * 2);
    expect(sharp.glare).to.equal(0);
    expect(metricsOf('white-card').glare).to.be.below(maxGlare / 10);
  });

  it('gives the same verdicts on the whole frame, card and table together', () => {
    expect(adviceFor('sharp', null)).to.equal('ok');
    expect(adviceFor('blurred', null)).to.equal('blurry');
    expect(adviceFor('glare', null)).to.equal('glare');
    expect(adviceFor('dark', null)).to.equal('too_dark');
  });

  it('checks exposure before glare and glare before sharpness', () => {
    const base: FrameMetrics = { sharpness: 5000, glare: 0, brightness: 128 };
    expect(adviseFrame({ ...base, brightness: 20, glare: 0.5, sharpness: 0 })).to.equal('too_dark');
    expect(adviseFrame({ ...base, brightness: 250, glare: 0.9 })).to.equal('too_bright');
    expect(adviseFrame({ ...base, glare: 0.2, sharpness: 0 })).to.equal('glare');
    expect(adviseFrame({ ...base, sharpness: 10 })).to.equal('blurry');
    expect(adviseFrame(base)).to.equal('ok');
    expect(adviseFrame(base, { ...DEFAULT_THRESHOLDS, minSharpness: 6000 })).to.equal('blurry');
  });
});

describe('measureFrame', () => {
  /** A 40×20 image: the left half black, the right half white. */
  function halves(): ImageData {
    const image = new ImageData(40, 20);
    for (let y = 0; y < 20; y++) {
      for (let x = 20; x < 40; x++) image.data.set([255, 255, 255, 255], (y * 40 + x) * 4);
    }
    return image;
  }

  it('reports mean luma, the share of saturated pixels, and no sharpness on a flat image', () => {
    const image = halves();
    const metrics = measureFrame(image, { x: 20, y: 0, width: 20, height: 20 });
    expect(metrics).to.deep.equal({ sharpness: 0, glare: 1, brightness: 255 });
    const whole = measureFrame(image);
    expect(whole.brightness).to.be.closeTo(127.5, 0.01);
    expect(whole.glare).to.equal(0.5);
    expect(whole.sharpness).to.be.above(0);
  });

  it('measures only the region: the card area of a frame, not the table around it', () => {
    const frame = sampler.sample(scene('sharp'), WIDTH, HEIGHT);
    const table = measureFrame(frame, { x: 0, y: 0, width: 40, height: 180 });
    const card = measureFrame(frame, SAMPLED_CARD);
    expect(table.brightness).to.be.below(60);
    expect(table.sharpness).to.be.below(50);
    expect(card.brightness).to.be.above(150);
    expect(card.sharpness).to.be.above(table.sharpness * 100);
    // A dark table around a glare-free card: advice from the region only.
    expect(adviseFrame(table)).to.equal('too_dark');
    expect(adviseFrame(card)).to.equal('ok');
  });

  it('clamps a region that reaches past the image and measures an empty one as zeros', () => {
    const image = halves();
    expect(measureFrame(image, { x: 30, y: -5, width: 100, height: 100 })).to.deep.equal({ sharpness: 0, glare: 1, brightness: 255 });
    expect(measureFrame(image, { x: 50, y: 0, width: 10, height: 10 })).to.deep.equal({ sharpness: 0, glare: 0, brightness: 0 });
  });

  it('gives the same answer for a frame measured again after a larger one (reused buffer)', () => {
    const small = halves();
    const first = measureFrame(small);
    measureFrame(sampler.sample(scene('sharp'), WIDTH, HEIGHT));
    expect(measureFrame(small)).to.deep.equal(first);
  });
});

describe('FrameSampler', () => {
  it('downscales to the target width with the source aspect ratio', () => {
    const wide = new FrameSampler().sample(scene('sharp'), WIDTH, HEIGHT);
    expect([wide.width, wide.height]).to.deep.equal([320, 180]);
    const [portrait] = canvas(720, 1280);
    const tall = new FrameSampler(240).sample(portrait, 720, 1280);
    expect([tall.width, tall.height]).to.deep.equal([240, 427]);
  });

  it('reuses its canvas across frames and follows a change of camera resolution', () => {
    const reused = new FrameSampler(160);
    const [vga] = canvas(640, 480);
    expect(reused.sample(scene('sharp'), WIDTH, HEIGHT).height).to.equal(90);
    expect(reused.sample(vga, 640, 480).height).to.equal(120);
    expect(reused.sample(scene('sharp'), WIDTH, HEIGHT).height).to.equal(90);
  });

  it('keeps the picture: the sample of a card shows the card where the scene has it', () => {
    const frame = new FrameSampler().sample(scene('sharp'), WIDTH, HEIGHT);
    const centre = measureFrame(frame, { x: 150, y: 60, width: 20, height: 20 });
    const corner = measureFrame(frame, { x: 0, y: 0, width: 20, height: 20 });
    expect(centre.brightness).to.be.above(corner.brightness + 80);
  });

  it('refuses an empty source instead of drawing nothing', () => {
    expect(() => new FrameSampler().sample(scene('sharp'), 0, 0)).to.throw(RangeError);
  });
});

describe('SteadyGate', () => {
  it('opens once the advice has been ok for holdMs, and stays open while it is', () => {
    const gate = new SteadyGate();
    expect(gate.update('ok', 1000)).to.equal(false);
    expect(gate.update('ok', 1400)).to.equal(false);
    expect(gate.update('ok', 1799)).to.equal(false);
    expect(gate.update('ok', 1800)).to.equal(true);
    expect(gate.update('ok', 1833)).to.equal(true);
  });

  it('starts over on any frame that is not ok', () => {
    const gate = new SteadyGate(500);
    gate.update('ok', 0);
    gate.update('ok', 400);
    expect(gate.update('blurry', 450)).to.equal(false);
    expect(gate.update('ok', 500)).to.equal(false);
    expect(gate.update('ok', 999)).to.equal(false);
    expect(gate.update('ok', 1000)).to.equal(true);
    expect(gate.update('glare', 1001)).to.equal(false);
  });

  it('starts over after reset (a capture, a camera restart)', () => {
    const gate = new SteadyGate(300);
    gate.update('ok', 0);
    expect(gate.update('ok', 300)).to.equal(true);
    gate.reset();
    expect(gate.update('ok', 310)).to.equal(false);
    expect(gate.update('ok', 610)).to.equal(true);
  });

  it('does not open early when the clock goes backwards', () => {
    const gate = new SteadyGate(300);
    gate.update('ok', 5000);
    expect(gate.update('ok', 100)).to.equal(false);
    expect(gate.update('ok', 399)).to.equal(false);
    expect(gate.update('ok', 400)).to.equal(true);
  });
});
