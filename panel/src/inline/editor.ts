// The inline module editor: CodeMirror 6 with Python highlighting and line
// numbers; Save & Deploy, its progress (building… compiled… serving, with
// the seconds each took) and, when it fails, the error at its line.

import { python } from '@codemirror/lang-python';
import { type Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorView, basicSetup } from 'codemirror';
import { errorText, h, sleep } from '../dom';
import { type DeployStatus, type InlineApi, finished, phasesText } from './api';

const POLL_MS = 300;
const STATE_TEXT: Record<DeployStatus['state'], string> = {
  building: 'building…',
  compiling: 'compiling…',
  swapping: 'swapping…',
  serving: 'serving',
  failed: 'failed',
};

export class InlineEditor {
  readonly el: HTMLElement;
  private module = '';
  private readonly title = h('h3', { testid: 'inline-editor-title' });
  private readonly deployButton = h('button', { type: 'button', id: 'inline-deploy' }, 'Save & Deploy');
  private readonly closeButton = h('button', { type: 'button', class: 'secondary' }, 'Close');
  private readonly progress = h('div', { id: 'inline-progress', class: 'progress' });
  private readonly errorEl = h('pre', { id: 'inline-error', class: 'error', hidden: true });
  private readonly view: EditorView;

  constructor(
    private readonly api: InlineApi,
    private readonly deployed: (status: DeployStatus) => void,
  ) {
    const host = h('div', { class: 'code', id: 'inline-code' });
    this.view = new EditorView({ parent: host, extensions: [basicSetup, python(), lintGutter()] });
    this.el = h(
      'section',
      { id: 'inline-editor', class: 'inline-editor', hidden: true },
      h('div', { class: 'editor-bar' }, this.title, this.deployButton, this.closeButton),
      host,
      this.progress,
      this.errorEl,
    );
    this.deployButton.addEventListener('click', () => void this.saveAndDeploy());
    this.closeButton.addEventListener('click', () => {
      this.el.hidden = true;
    });
  }

  get source(): string {
    return this.view.state.doc.toString();
  }

  /** Opens `source` as the text of `module`. */
  open(module: string, source: string, label: string): void {
    this.module = module;
    this.title.textContent = `${module} — ${label}`;
    this.el.dataset.module = module;
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: source } });
    this.clearError();
    this.progress.textContent = '';
    this.progress.dataset.state = '';
    this.el.hidden = false;
    this.view.focus();
  }

  /** Follows a deploy started elsewhere (a rollback) in this editor's status line. */
  async follow(first: DeployStatus): Promise<DeployStatus> {
    this.clearError();
    let status = first;
    this.show(status);
    while (!finished(status)) {
      await sleep(POLL_MS);
      status = await this.api.lastDeploy(status.module);
      if (status.id !== first.id) break;
      this.show(status);
    }
    this.deployed(status);
    return status;
  }

  private async saveAndDeploy(): Promise<void> {
    this.deployButton.disabled = true;
    try {
      const first = await this.api.deploy(this.module, this.source);
      const done = await this.follow(first);
      if (done.state === 'serving') this.title.textContent = `${this.module} — ${done.version}`;
    } catch (error) {
      this.progress.textContent = errorText(error);
      this.progress.dataset.state = 'failed';
    } finally {
      this.deployButton.disabled = false;
    }
  }

  private show(status: DeployStatus): void {
    // A failed deploy keeps no version: its number is not worth showing.
    const version = status.version && status.state !== 'failed' ? ` ${status.version}` : '';
    const phases = phasesText(status);
    this.progress.dataset.state = status.state;
    this.progress.dataset.version = status.version ?? '';
    this.progress.textContent = `${STATE_TEXT[status.state]}${version}${phases ? ` — ${phases}` : ''}${
      status.note ? ` (${status.note})` : ''
    }`;
    if (status.state === 'failed') this.showError(status);
  }

  private showError(status: DeployStatus): void {
    const message = status.error ?? 'the deploy failed';
    const line = status.line ?? undefined;
    this.errorEl.hidden = false;
    this.errorEl.textContent = `${line ? `line ${line}: ` : ''}${message}\nThe previous version keeps serving.`;
    this.errorEl.dataset.line = line ? String(line) : '';
    const diagnostics: Diagnostic[] = [];
    if (line && line <= this.view.state.doc.lines) {
      const at = this.view.state.doc.line(line);
      diagnostics.push({ from: at.from, to: at.to, severity: 'error', message: message.split('\n')[0] ?? message });
      this.view.dispatch({ selection: { anchor: at.from }, scrollIntoView: true });
    }
    this.view.dispatch(setDiagnostics(this.view.state, diagnostics));
  }

  private clearError(): void {
    this.errorEl.hidden = true;
    this.errorEl.textContent = '';
    this.errorEl.dataset.line = '';
    this.view.dispatch(setDiagnostics(this.view.state, []));
  }
}
