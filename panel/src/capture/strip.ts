// One camera method's newest captured images, newest first.

import { h } from '../dom';

export interface CapturedImage {
  t: number;
  mime: string;
  base64: string;
}

export class ImageStrip {
  readonly el: HTMLElement;
  private readonly images = h('div', { class: 'strip-images' });
  private shownLast: number | undefined;

  constructor(readonly key: string, title: string) {
    this.el = h('figure', { class: 'strip', 'data-strip': key, 'data-images': 0 }, h('figcaption', {}, title), this.images);
  }

  get last(): number | undefined {
    return this.shownLast;
  }

  show(images: CapturedImage[]): void {
    const newest = images[images.length - 1]?.t;
    if (newest === this.shownLast) return;
    this.shownLast = newest;
    this.images.replaceChildren(
      ...[...images].reverse().map((image) =>
        h(
          'div',
          { class: 'strip-image' },
          h('img', { src: `data:${image.mime || 'image/jpeg'};base64,${image.base64}`, alt: 'captured image', testid: 'captured-image' }),
          h('span', {}, new Date(image.t * 1000).toLocaleTimeString()),
        ),
      ),
    );
    this.el.dataset.images = String(images.length);
    this.el.dataset.last = String(newest ?? '');
  }
}
