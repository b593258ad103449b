// One resource method's captured numbers as a line chart (uPlot), a line
// per field; points are added as they arrive and fall off the window.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../dom';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const WIDTH = 460;
const HEIGHT = 200;
/** Most points a chart asks for and keeps. */
export const MAX_POINTS = 5000;

export class SeriesChart {
  readonly el: HTMLElement;
  private readonly plotEl = h('div', { class: 'plot' });
  private readonly info = h('div', { class: 'readout', testid: 'chart-info' });
  private plot: uPlot | undefined;
  /** Sample times in seconds, and each field's values (null where absent). */
  private times: number[] = [];
  private fields = new Map<string, (number | null)[]>();
  /** The window holds more samples than a chart keeps: only the newest are drawn. */
  capped = false;

  constructor(readonly key: string, title: string) {
    this.el = h('figure', { class: 'chart', 'data-chart': key, 'data-points': 0 }, h('figcaption', {}, title), this.plotEl, this.info);
  }

  /** The newest sample time shown, seconds. */
  get last(): number | undefined {
    return this.times[this.times.length - 1];
  }

  clear(): void {
    this.capped = false;
    this.times = [];
    this.fields = new Map();
    this.redraw(true);
  }

  /** Adds samples newer than the last shown; keeps `windowS` seconds back from the newest. */
  add(samples: { t: number; values: Map<string, number> }[], windowS: number): void {
    let newFields = false;
    for (const { t, values } of samples) {
      if (this.last !== undefined && t <= this.last) continue;
      for (const name of values.keys()) {
        if (!this.fields.has(name)) {
          this.fields.set(name, this.times.map(() => null));
          newFields = true;
        }
      }
      this.times.push(t);
      for (const [name, column] of this.fields) column.push(values.get(name) ?? null);
    }
    const newest = this.last;
    if (newest !== undefined) {
      // Nothing older than the window, and at most MAX_POINTS.
      let keepFrom = this.times.findIndex((t) => t >= newest - windowS);
      if (this.times.length - keepFrom > MAX_POINTS) {
        keepFrom = this.times.length - MAX_POINTS;
        this.capped = true;
      }
      if (keepFrom > 0) {
        this.times.splice(0, keepFrom);
        for (const column of this.fields.values()) column.splice(0, keepFrom);
      }
    }
    this.redraw(newFields);
  }

  private redraw(rebuild: boolean): void {
    const data: uPlot.AlignedData = [this.times, ...this.fields.values()];
    const n = this.times.length;
    this.el.dataset.points = String(n);
    this.el.dataset.fields = [...this.fields.keys()].join(',');
    // The newest values, for a reader of the page (and its test).
    this.el.dataset.latest = JSON.stringify(Object.fromEntries([...this.fields].map(([name, column]) => [name, column[n - 1] ?? null])));
    const shown = this.capped ? `the newest ${n} samples of the window` : `${n} samples`;
    this.info.textContent = n ? `${shown} · ${[...this.fields.keys()].join(', ')}` : 'no samples in this range';
    if (rebuild || !this.plot) {
      this.plot?.destroy();
      this.plot = new uPlot(
        {
          width: WIDTH,
          height: HEIGHT,
          legend: { show: this.fields.size > 0 },
          series: [{}, ...[...this.fields.keys()].map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5 }))],
          axes: [{}, { size: 60 }],
        },
        data,
        this.plotEl,
      );
    } else {
      this.plot.setData(data);
    }
  }
}
