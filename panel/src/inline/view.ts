// Inline modules in the Modules section: a new module from a template, the
// editor, each module's versions with a diff between two of them and
// "roll back to", and adding a resource of an inline module's model to the
// machine config.

import { unifiedMergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { EditorView, basicSetup } from 'codemirror';
import { python } from '@codemirror/lang-python';
import { errorText, h, labelled } from '../dom';
import { AuthRequired, type HttpApi } from '../http';
import { type DeployStatus, type InlineList, type InlineModule, InlineApi } from './api';
import { InlineEditor } from './editor';

export class InlineView {
  readonly el: HTMLElement;
  private readonly api: InlineApi;
  private readonly editor: InlineEditor;
  private readonly newName = h('input', { type: 'text', id: 'inline-new-name', placeholder: 'my-sensor' });
  private readonly newTemplate = h('select', { id: 'inline-new-template' });
  private readonly list = h('div', { id: 'inline-modules' });
  private readonly note = h('div', { class: 'note', id: 'inline-note' });
  private readonly diffTitle = h('h3', {});
  private readonly diffHost = h('div', { class: 'code' });
  private readonly diff = h('section', { id: 'inline-diff', class: 'inline-diff', hidden: true }, this.diffTitle, this.diffHost);
  private diffView: EditorView | undefined;
  private readonly addModel = h('select', { id: 'inline-add-model' });
  private readonly addName = h('input', { type: 'text', id: 'inline-add-name', placeholder: 'resource name' });
  private readonly addAttributes = h('textarea', { id: 'inline-add-attributes', rows: 2 }, '{}');
  private readonly addDepends = h('input', { type: 'text', id: 'inline-add-depends', placeholder: 'temp-1, temp-2' });
  private readonly addResult = h('span', { id: 'inline-add-result' });
  private readonly addForm: HTMLFormElement;
  private last: InlineList | undefined;

  constructor(http: HttpApi, private readonly changed: () => void) {
    this.api = new InlineApi(http);
    this.editor = new InlineEditor(this.api, (status) => this.deployed(status));
    const newButton = h('button', { type: 'button', id: 'inline-new' }, 'New inline module');
    newButton.addEventListener('click', () => void this.create());
    this.addForm = h(
      'form',
      { id: 'inline-add-resource', class: 'inline-add' },
      h('strong', {}, 'Add a resource'),
      labelled('model', this.addModel),
      labelled('name', this.addName),
      labelled('attributes (JSON)', this.addAttributes),
      labelled('depends on', this.addDepends),
      h('button', { type: 'submit' }, 'Add'),
      this.addResult,
    );
    this.addForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.addResource();
    });
    this.el = h(
      'div',
      { class: 'inline', id: 'inline' },
      h('h3', {}, 'Inline modules'),
      h('div', { class: 'inline-new' }, labelled('name', this.newName), labelled('template', this.newTemplate), newButton),
      this.list,
      this.addForm,
      this.note,
      this.editor.el,
      this.diff,
    );
  }

  async refresh(): Promise<void> {
    try {
      this.show(await this.api.list());
      this.note.textContent = '';
    } catch (error) {
      if (error instanceof AuthRequired) throw error;
      this.note.textContent = `inline modules: ${errorText(error)}`;
    }
  }

  private show(list: InlineList): void {
    this.last = list;
    if (this.newTemplate.options.length !== list.templates.length) {
      this.newTemplate.replaceChildren(...list.templates.map((t) => h('option', { value: t.id }, t.title)));
    }
    this.list.replaceChildren(...list.modules.map((m) => this.moduleBlock(m)));
    const models = list.modules.flatMap((m) => m.models);
    const chosen = this.addModel.value;
    this.addModel.replaceChildren(
      ...models.map((m) => h('option', { value: `${m.api}|${m.model}`, selected: `${m.api}|${m.model}` === chosen }, `${m.model} (${m.api})`)),
    );
    this.addForm.hidden = models.length === 0 || !list.config_editable;
  }

  private moduleBlock(m: InlineModule): HTMLElement {
    const edit = h('button', { type: 'button', testid: 'inline-edit' }, 'Edit');
    edit.addEventListener('click', () => void this.edit(m.name));
    const versions = [...m.versions].reverse();
    const from = h('select', { testid: 'diff-from' }, ...versions.map((v, i) => h('option', { value: v.version, selected: i === 1 }, v.version)));
    const to = h('select', { testid: 'diff-to' }, ...versions.map((v, i) => h('option', { value: v.version, selected: i === 0 }, v.version)));
    const diffButton = h('button', { type: 'button', testid: 'diff' }, 'Diff');
    diffButton.addEventListener('click', () => void this.showDiff(m.name, from.value, to.value));
    const rows = versions.map((v) => {
      const rollback = h('button', { type: 'button', testid: 'rollback' }, `roll back to ${v.version}`);
      rollback.addEventListener('click', () => void this.rollback(m.name, v.version));
      return h(
        'tr',
        { 'data-version': v.version, class: v.version === m.serving ? 'serving' : '' },
        h('td', {}, v.version, v.version === m.serving ? ' (serving)' : ''),
        h('td', {}, v.created.replace('T', ' ').replace('Z', '')),
        h('td', {}, v.rolled_back_from ? `rollback to ${v.rolled_back_from}` : `built in ${v.build_seconds.toFixed(1)} s`),
        h('td', {}, v.version === m.serving ? '' : rollback),
      );
    });
    const deploy = m.deploy?.state === 'failed' ? h('div', { class: 'error' }, `last deploy failed: ${m.deploy.error ?? ''}`) : null;
    return h(
      'div',
      { class: 'inline-module', 'data-inline-module': m.name },
      h(
        'div',
        { class: 'inline-head' },
        h('strong', {}, m.name),
        h('span', { testid: 'serving' }, m.serving ? `serving ${m.serving}` : 'not serving'),
        m.pinned ? h('span', {}, `pinned to ${m.pinned}`) : null,
        h('span', { class: 'api' }, m.models.map((x) => x.model).join(', ')),
        edit,
      ),
      deploy,
      h('table', { class: 'versions' }, h('tbody', {}, ...rows)),
      versions.length > 1 ? h('div', { class: 'diff-controls' }, from, to, diffButton) : null,
    );
  }

  private async create(): Promise<void> {
    const name = this.newName.value.trim();
    if (!name) {
      this.note.textContent = 'give the new module a name';
      return;
    }
    if (this.last?.modules.some((m) => m.name === name)) {
      this.note.textContent = `${name} exists already: edit it`;
      return;
    }
    try {
      const source = await this.api.template(this.newTemplate.value, name);
      this.note.textContent = '';
      this.editor.open(name, source, 'new, not deployed yet');
    } catch (error) {
      this.note.textContent = errorText(error);
    }
  }

  private async edit(name: string): Promise<void> {
    try {
      const module = this.last?.modules.find((m) => m.name === name);
      const newest = module?.versions.at(-1)?.version;
      this.editor.open(name, await this.api.source(name, newest), newest ?? 'new');
    } catch (error) {
      this.note.textContent = errorText(error);
    }
  }

  private async rollback(name: string, version: string): Promise<void> {
    try {
      const first = await this.api.rollback(name, version);
      const source = await this.api.source(name, version);
      this.editor.open(name, source, `rolling back to ${version}`);
      await this.editor.follow(first);
    } catch (error) {
      this.note.textContent = errorText(error);
    }
  }

  private async showDiff(name: string, from: string, to: string): Promise<void> {
    try {
      const [original, changed] = await Promise.all([this.api.source(name, from), this.api.source(name, to)]);
      this.diffView?.destroy();
      this.diffView = new EditorView({
        parent: this.diffHost,
        doc: changed,
        extensions: [
          basicSetup,
          python(),
          EditorState.readOnly.of(true),
          EditorView.editable.of(false),
          unifiedMergeView({ original, mergeControls: false, collapseUnchanged: { margin: 3, minSize: 6 } }),
        ],
      });
      this.diffTitle.textContent = `${name}: ${from} → ${to}`;
      this.diff.dataset.from = from;
      this.diff.dataset.to = to;
      this.diff.hidden = false;
    } catch (error) {
      this.note.textContent = errorText(error);
    }
  }

  private async addResource(): Promise<void> {
    const [api = '', model = ''] = this.addModel.value.split('|');
    let attributes: Record<string, unknown>;
    try {
      attributes = JSON.parse(this.addAttributes.value || '{}') as Record<string, unknown>;
    } catch (error) {
      this.addResult.textContent = `attributes: invalid JSON (${errorText(error)})`;
      return;
    }
    const depends_on = this.addDepends.value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    this.addResult.textContent = 'adding…';
    try {
      const added = await this.api.addResource({ name: this.addName.value.trim(), api, model, attributes, depends_on });
      this.addResult.textContent = `added ${added.added}${added.state ? ` (${added.state})` : ''}${added.error ? `: ${added.error}` : ''}`;
      this.changed();
    } catch (error) {
      this.addResult.textContent = errorText(error);
    }
  }

  private deployed(_status: DeployStatus): void {
    void this.refresh();
    this.changed();
  }
}
