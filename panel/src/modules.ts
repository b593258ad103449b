// The modules section: each module (file, registry, inline or built in),
// its version and the models it provides (GET /armature/modules); below it,
// the inline modules with their editor and versions.

import { h } from './dom';
import type { ModulesReply } from './http';

export class ModulesView {
  readonly el: HTMLElement;
  private readonly rows = h('tbody');
  private readonly errors = h('ul', { class: 'errors', testid: 'module-errors' });
  private readonly note = h('div', { class: 'note' });

  constructor() {
    this.el = h(
      'section',
      { class: 'panel-section', id: 'modules-section' },
      h('h2', {}, 'Modules'),
      h(
        'table',
        { id: 'modules' },
        h('thead', {}, h('tr', {}, h('th', {}, 'module'), h('th', {}, 'from'), h('th', {}, 'version'), h('th', {}, 'models'), h('th', {}, 'file'))),
        this.rows,
      ),
      this.errors,
      this.note,
    );
  }

  show(reply: ModulesReply): void {
    this.note.textContent = '';
    const modules = [...reply.modules].sort((a, b) => a.name.localeCompare(b.name));
    this.rows.replaceChildren(
      ...modules.map((m) =>
        h(
          'tr',
          { 'data-module': m.name },
          h('td', { class: 'name' }, m.name),
          h('td', { class: 'kind', testid: 'kind' }, m.source?.reference ?? m.kind),
          h('td', { class: 'version', testid: 'version' }, m.version),
          h(
            'td',
            { class: 'models', testid: 'models' },
            h('ul', {}, ...m.models.map((model) => h('li', { 'data-model': model.model }, model.model, ' ', h('span', { class: 'api' }, model.api)))),
          ),
          h('td', { class: 'file' }, m.file ?? ''),
        ),
      ),
    );
    this.errors.replaceChildren(...(reply.errors ?? []).map((e) => h('li', {}, e)));
  }

  failed(message: string): void {
    this.note.textContent = message;
  }
}
