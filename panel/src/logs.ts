// The log view: the host's latest log lines (GET /armature/logs), polled
// every second, filterable by resource. Choosing a resource asks the host for
// that resource's lines only, from the start of what it keeps.

import { h } from './dom';
import type { HttpApi, LogLine } from './http';

const KEEP = 500;
/** The endpoint answers at most 500 lines; a full page means more are waiting. */
const PAGE = 500;

export class LogView {
  readonly el: HTMLElement;
  readonly filter = h('select', { id: 'log-filter' }, h('option', { value: '' }, 'all'));
  private readonly box = h('div', { id: 'logs', class: 'logs' });
  private readonly note = h('div', { class: 'note' });
  /** The last seq shown; the next request asks for lines after it. */
  private after = 0;
  /** Bumped when the filter changes: an answer for the old filter is dropped. */
  private generation = 0;

  constructor(private readonly http: HttpApi) {
    this.el = h(
      'section',
      { class: 'panel-section', id: 'logs-section' },
      h('h2', {}, 'Log', h('label', { class: 'filter' }, 'resource ', this.filter)),
      this.box,
      this.note,
    );
    this.filter.addEventListener('change', () => this.reset());
  }

  /** The resource names to filter by ("all" stays first). */
  setResources(names: string[]): void {
    const wanted = [...new Set(names)].sort();
    const current = [...this.filter.options].slice(1).map((o) => o.value);
    if (current.join('\n') === wanted.join('\n')) return;
    const selected = this.filter.value;
    this.filter.replaceChildren(
      h('option', { value: '' }, 'all'),
      ...wanted.map((name) => h('option', { value: name }, name)),
    );
    // A selected resource that went away stays selectable.
    if (selected && !wanted.includes(selected)) this.filter.append(h('option', { value: selected }, selected));
    this.filter.value = selected;
  }

  /** Fetches what is new; throws what the endpoint throws. */
  async poll(): Promise<void> {
    const generation = this.generation;
    for (let page = 0; page < 20; page++) {
      const resource = this.filter.value || undefined;
      const reply = await this.http.logs(this.after, resource);
      if (generation !== this.generation) return;
      this.note.textContent = '';
      if (reply.next - 1 < this.after) {
        // The host restarted: its sequence numbers started again.
        this.clear();
        continue;
      }
      this.append(reply.lines);
      if (reply.lines.length < PAGE) return;
    }
  }

  failed(message: string): void {
    this.note.textContent = message;
  }

  private reset(): void {
    this.generation++;
    this.clear();
    void this.poll().catch((e: unknown) => this.failed(String(e)));
  }

  private clear(): void {
    this.after = 0;
    this.box.replaceChildren();
  }

  private append(lines: LogLine[]): void {
    if (lines.length === 0) return;
    const atBottom = this.box.scrollHeight - this.box.scrollTop - this.box.clientHeight < 20;
    for (const line of lines) {
      this.after = Math.max(this.after, line.seq);
      this.box.append(
        h(
          'div',
          { class: `log-line level-${line.level.toLowerCase()}`, 'data-resource': line.resource ?? '', 'data-seq': line.seq },
          h('span', { class: 'time' }, line.time.replace('T', ' ').replace(/Z$/, '')),
          h('span', { class: 'level' }, line.level),
          h('span', { class: 'resource' }, line.resource ?? ''),
          h('span', { class: 'message' }, line.message),
        ),
      );
    }
    while (this.box.childElementCount > KEEP) this.box.firstElementChild!.remove();
    if (atBottom) this.box.scrollTop = this.box.scrollHeight;
  }
}
