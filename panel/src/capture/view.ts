// The "Captured data" section: what the machine's data manager captures,
// live and back through a chosen window; a line chart per tabular method
// (a sensor's readings, a motor's position), an image strip per camera
// method. Everything comes from the data manager's DoCommand (`status`,
// `query`), through the official SDK's DataManagerClient.

import { DataManagerClient, Struct, type JsonValue, type RobotClient } from '@viamrobotics/sdk';
import { errorText, h } from '../dom';
import { MAX_POINTS, SeriesChart } from './chart';
import { numbers } from './flatten';
import { ImageStrip } from './strip';

/** Windows the page offers, in seconds; the first is the default. */
const RANGES: [string, number][] = [
  ['last minute', 60],
  ['last 10 minutes', 600],
  ['last hour', 3600],
  ['last day', 86_400],
];
const STRIP_IMAGES = 6;

interface Collector {
  resource: string;
  method: string;
  data: 'tabular' | 'binary';
  frequency_hz: number;
  captured: number;
  errors: number;
}

interface Sample {
  time_requested: string;
  data?: JsonValue;
  mime_type?: string;
  binary_base64?: string;
}

const keyOf = (c: Collector) => `${c.resource}/${c.method}`;

/** An RFC 3339 time (nanoseconds allowed) in seconds since the epoch. */
function seconds(rfc3339: string): number {
  const [whole = '', fraction = ''] = rfc3339.replace(/Z$/, '').split('.');
  return Date.parse(`${whole}Z`) / 1000 + Number(`0.${fraction || '0'}`);
}

export class CaptureView {
  readonly el: HTMLElement;
  private readonly range = h('select', { testid: 'capture-range' });
  private readonly list = h('div', { class: 'captures' });
  private readonly note = h('div', { class: 'note', testid: 'capture-note' });
  private client: DataManagerClient | undefined;
  private robot: RobotClient | undefined;
  private manager: string | undefined;
  private readonly charts = new Map<string, SeriesChart>();
  private readonly strips = new Map<string, ImageStrip>();
  /** Per chart, the newest sample's time as the host wrote it (the next `since`). */
  private readonly cursors = new Map<string, string>();
  /** Per strip, the capture count its images were fetched at. */
  private readonly stripCounts = new Map<string, number>();
  /** Bumped when the window changes: replies to older queries are dropped. */
  private generation = 0;

  constructor() {
    this.range.append(...RANGES.map(([label, s]) => h('option', { value: s }, label)));
    this.range.addEventListener('change', () => {
      this.generation++;
      for (const chart of this.charts.values()) chart.clear();
      this.cursors.clear();
    });
    this.el = h(
      'section',
      { class: 'panel-section', id: 'capture-section', hidden: true },
      h('h2', {}, 'Captured data ', this.range),
      this.note,
      this.list,
    );
  }

  private get windowS(): number {
    return Number(this.range.value) || RANGES[0]![1];
  }

  /** The connection and the machine's data manager (Viam allows one), if any. */
  bind(robot: RobotClient | undefined, manager: string | undefined): void {
    if (robot !== this.robot || manager !== this.manager) {
      this.robot = robot;
      this.manager = manager;
      this.client = robot && manager ? new DataManagerClient(robot, manager) : undefined;
    }
    this.el.hidden = this.client === undefined;
  }

  private async command(command: Record<string, JsonValue>): Promise<Record<string, JsonValue>> {
    const reply = await this.client!.doCommand(Struct.fromJson(command));
    return reply as Record<string, JsonValue>;
  }

  /** One round: what is captured, then each method's new samples. */
  async poll(): Promise<void> {
    if (!this.client || document.hidden) return;
    try {
      const status = await this.command({ command: 'status' });
      const collectors = ((status.collectors ?? []) as unknown as Collector[]).sort(
        (a, b) => a.resource.localeCompare(b.resource) || a.method.localeCompare(b.method),
      );
      this.note.textContent = collectors.length
        ? ''
        : 'nothing is captured: add capture_methods to a resource\'s data_manager service_configs';
      this.arrange(collectors);
      await Promise.all(collectors.map((c) => (c.data === 'binary' ? this.images(c) : this.series(c))));
    } catch (error) {
      this.note.textContent = `captured data: ${errorText(error)}`;
    }
  }

  /** A chart or strip per collector, in name order; gone collectors' removed. */
  private arrange(collectors: Collector[]): void {
    const wanted = new Set(collectors.map(keyOf));
    for (const [key, view] of [...this.charts, ...this.strips]) {
      if (wanted.has(key)) continue;
      view.el.remove();
      this.charts.delete(key);
      this.strips.delete(key);
      this.cursors.delete(key);
      this.stripCounts.delete(key);
    }
    const els = collectors.map((c) => {
      const key = keyOf(c);
      const title = `${c.resource} · ${c.method} · ${c.frequency_hz} Hz`;
      if (c.data === 'binary') {
        if (!this.strips.has(key)) this.strips.set(key, new ImageStrip(key, title));
        return this.strips.get(key)!.el;
      }
      if (!this.charts.has(key)) this.charts.set(key, new SeriesChart(key, title));
      return this.charts.get(key)!.el;
    });
    if (els.some((el, i) => this.list.children[i] !== el) || this.list.children.length !== els.length) {
      this.list.replaceChildren(...els);
    }
  }

  private async series(c: Collector): Promise<void> {
    const key = keyOf(c);
    const chart = this.charts.get(key)!;
    const cursor = this.cursors.get(key);
    const window = this.windowS;
    const generation = this.generation;
    // First the window's newest samples (counted back from the host's own
    // newest, so a skewed browser clock does not matter); then what is new.
    const query: Record<string, JsonValue> = { command: 'query', resource: c.resource, method: c.method };
    if (cursor) Object.assign(query, { since: cursor, limit: MAX_POINTS });
    else query.limit = Math.min(MAX_POINTS, Math.ceil(window * c.frequency_hz) + 1);
    const reply = await this.command(query);
    // The window changed while this was asked: the chart was cleared for
    // the new one, and this answer is for the old.
    if (generation !== this.generation) return;
    const samples = (reply.samples ?? []) as unknown as Sample[];
    if (!cursor) chart.capped = reply.truncated === true && query.limit === MAX_POINTS;
    const newest = samples[samples.length - 1];
    if (newest) this.cursors.set(key, newest.time_requested);
    chart.add(
      samples.map((s) => ({ t: seconds(s.time_requested), values: numbers(s.data) })),
      window,
    );
  }

  private async images(c: Collector): Promise<void> {
    const key = keyOf(c);
    if (this.stripCounts.get(key) === c.captured) return;
    const reply = await this.command({
      command: 'query',
      resource: c.resource,
      method: c.method,
      limit: STRIP_IMAGES,
      binary: true,
    });
    this.stripCounts.set(key, c.captured);
    const samples = (reply.samples ?? []) as unknown as Sample[];
    this.strips.get(key)?.show(
      samples
        .filter((s) => s.binary_base64)
        .map((s) => ({ t: seconds(s.time_requested), mime: s.mime_type ?? '', base64: s.binary_base64! })),
    );
  }
}
