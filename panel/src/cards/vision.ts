// Vision service: live detections on a chosen camera, drawn over that
// camera's frame. Each refresh is one CaptureAllFromCamera (the image and
// the detections found in that same image), so the boxes never lag the
// frame they are drawn on.

import { VisionClient, type RobotClient } from '@viamrobotics/sdk';
import { h, num } from '../dom';
import { Card } from './card';

const REFRESH_MS = 500;
/** The service's own camera (its `camera_name`), as Viam's vision services take an empty name. */
const DEFAULT_CAMERA = '';

export class VisionCard extends Card<VisionClient> {
  private readonly camera = h('select', { testid: 'camera' });
  private readonly frame = h('img', { class: 'frame', testid: 'frame', alt: `${this.id.name} frame` });
  private readonly boxes = h('div', { class: 'boxes', testid: 'boxes' });
  private readonly found = h('div', { class: 'readout', testid: 'detections' });
  private readonly supports = h('div', { class: 'readout', testid: 'supports' });
  private url: string | undefined;
  private detects = true;

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.interval = REFRESH_MS;
    this.body.append(
      h('label', { class: 'readout' }, 'camera ', this.camera),
      h('div', { class: 'overlay' }, this.frame, this.boxes),
      this.found,
      this.supports,
    );
  }

  protected makeClient(robot: RobotClient): VisionClient {
    return new VisionClient(robot, this.id.name);
  }

  protected async bound(): Promise<void> {
    const p = await this.client!.getProperties();
    this.detects = p.detectionsSupported;
    const yes = (b: boolean) => (b ? 'yes' : 'no');
    this.supports.textContent =
      `detections ${yes(p.detectionsSupported)} · classifications ${yes(p.classificationsSupported)} · ` +
      `point clouds ${yes(p.objectPointCloudsSupported)}`;
  }

  protected async refresh(): Promise<void> {
    this.listCameras();
    if (!this.detects) {
      this.found.textContent = 'this service does not detect objects';
      return;
    }
    const all = await this.client!.captureAllFromCamera(this.camera.value, {
      returnImage: true,
      returnDetections: true,
      returnClassifications: false,
      returnObjectPointClouds: false,
    });
    if (!all.image) throw new Error('CaptureAllFromCamera returned no image');
    const url = URL.createObjectURL(new Blob([all.image.image.slice()], { type: all.image.mimeType || 'image/jpeg' }));
    this.frame.src = url;
    try {
      await this.frame.decode();
    } catch {
      URL.revokeObjectURL(url);
      throw new Error(`cannot show a ${all.image.mimeType || 'untyped'} image`);
    }
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = url;

    // Boxes in shares of the frame, so they follow the image's scaling.
    const { naturalWidth: w, naturalHeight: ht } = this.frame;
    const share = (normalized: number | undefined, pixels: bigint | undefined, size: number) =>
      normalized ?? (pixels !== undefined && size > 0 ? Number(pixels) / size : 0);
    this.boxes.replaceChildren(
      ...all.detections.map((d) => {
        const x0 = share(d.xMinNormalized, d.xMin, w);
        const y0 = share(d.yMinNormalized, d.yMin, ht);
        const x1 = share(d.xMaxNormalized, d.xMax, w);
        const y1 = share(d.yMaxNormalized, d.yMax, ht);
        const box = h('div', { class: 'box', testid: 'box' }, h('span', { class: 'box-label' }, `${d.className} ${num(d.confidence, 2)}`));
        Object.assign(box.style, {
          left: `${x0 * 100}%`,
          top: `${y0 * 100}%`,
          width: `${(x1 - x0) * 100}%`,
          height: `${(y1 - y0) * 100}%`,
        });
        return box;
      }),
    );
    const n = all.detections.length;
    this.found.textContent =
      n === 0
        ? 'nothing detected'
        : `${n} detection${n === 1 ? '' : 's'}: ` +
          all.detections.map((d) => `${d.className} ${num(d.confidence, 2)}`).join(', ');
  }

  /** The machine's cameras, after the service's own; the choice is kept. */
  private listCameras(): void {
    const names = [DEFAULT_CAMERA, ...this.ctx.resourcesOf('rdk:component:camera').sort()];
    const current = [...this.camera.options].map((o) => o.value);
    if (current.join('\n') === names.join('\n')) return;
    const selected = this.camera.value;
    this.camera.replaceChildren(
      ...names.map((name) => h('option', { value: name }, name === DEFAULT_CAMERA ? "(the service's own)" : name)),
    );
    this.camera.value = names.includes(selected) ? selected : DEFAULT_CAMERA;
  }
}
