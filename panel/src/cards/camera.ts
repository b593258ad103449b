// Camera: frames by polling GetImages, as fast as the camera's frame rate
// (from GetProperties; 10 fps if it does not say), never two at once.

import { CameraClient, type RobotClient } from '@viamrobotics/sdk';
import { h, num } from '../dom';
import { Card } from './card';

const DEFAULT_FPS = 10;
const MAX_FPS = 30;

export class CameraCard extends Card<CameraClient> {
  private readonly frame = h('img', { class: 'frame', testid: 'frame', alt: `${this.id.name} frame` });
  private readonly size = h('span', { testid: 'frame-size' });
  private readonly fps = h('span', { testid: 'fps' });
  private readonly mime = h('span', { testid: 'mime' });
  private readonly source = h('select', { testid: 'source' });
  private url: string | undefined;
  private shownAt: number[] = [];

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.source.hidden = true;
    this.body.append(
      this.frame,
      h('div', { class: 'readout' }, this.size, ' · ', this.fps, ' fps · ', this.mime, ' ', this.source),
    );
  }

  protected makeClient(robot: RobotClient): CameraClient {
    return new CameraClient(robot, this.id.name);
  }

  protected async bound(): Promise<void> {
    this.interval = 1000 / DEFAULT_FPS;
    try {
      const props = await this.client!.getProperties();
      if (props.frameRate && props.frameRate > 0) this.interval = 1000 / Math.min(props.frameRate, MAX_FPS);
    } catch {
      // GetProperties is optional for a camera.
    }
  }

  protected async refresh(): Promise<void> {
    const { images } = await this.client!.getImages();
    if (images.length === 0) throw new Error('GetImages returned no image');
    this.listSources(images.map((image) => image.sourceName));
    const image = images.find((i) => i.sourceName === this.source.value) ?? images[0]!;

    const url = URL.createObjectURL(new Blob([image.image.slice()], { type: image.mimeType || 'image/jpeg' }));
    this.frame.src = url;
    try {
      await this.frame.decode();
    } catch {
      URL.revokeObjectURL(url);
      throw new Error(`cannot show a ${image.mimeType || 'untyped'} image (${image.image.length} bytes)`);
    }
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = url;

    this.size.textContent = `${this.frame.naturalWidth}x${this.frame.naturalHeight}`;
    this.mime.textContent = image.mimeType;
    // The rate of frames shown over the last two seconds.
    const now = performance.now();
    this.shownAt = [...this.shownAt.filter((t) => now - t < 2000), now];
    const first = this.shownAt[0]!;
    if (this.shownAt.length > 1) this.fps.textContent = num(((this.shownAt.length - 1) * 1000) / (now - first), 1);
  }

  private listSources(names: string[]): void {
    const current = [...this.source.options].map((o) => o.value);
    if (current.join('\n') === names.join('\n')) return;
    const selected = this.source.value;
    this.source.replaceChildren(...names.map((name) => h('option', { value: name }, name || '(unnamed)')));
    if (names.includes(selected)) this.source.value = selected;
    this.source.hidden = names.length < 2;
  }
}
