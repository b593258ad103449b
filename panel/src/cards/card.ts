// What every resource card has: its name, API, state and last error (from
// GetMachineStatus), a DoCommand box, and a refresh loop that pauses while
// the host is unreachable or the resource is gone.

import { Struct, type JsonValue, type RobotClient } from '@viamrobotics/sdk';
import { errorText, h } from '../dom';

/** A resource's identity, as ResourceNames and GetMachineStatus give it. */
export interface ResourceId {
  namespace: string;
  type: string;
  subtype: string;
  name: string;
}

export const apiOf = (r: ResourceId) => `${r.namespace}:${r.type}:${r.subtype}`;

/** Anything with the DoCommand every resource client has. */
export interface Commandable {
  doCommand(command: Struct): Promise<JsonValue>;
}

export interface CardContext {
  /** The proto service serving an API, from ResourceRPCSubtypes (for APIs the SDK has no client for). */
  protoService(api: string): string | undefined;
  /** The names of the machine's resources of an API (`rdk:component:camera`). */
  resourcesOf(api: string): string[];
}

export abstract class Card<C extends Commandable = Commandable> {
  readonly el: HTMLElement;
  /** Where a card kind puts its readouts and controls. */
  protected readonly body: HTMLElement;
  /** The SDK client of this resource on the current connection, if connected. */
  protected client: C | undefined;
  /** Milliseconds between refreshes. */
  protected interval = 1000;

  private readonly stateEl = h('span', { class: 'state', testid: 'state' }, 'unknown');
  private readonly errorEl = h('div', { class: 'status-error', testid: 'error' });
  private readonly callErrorEl = h('div', { class: 'call-error', testid: 'call-error' });
  private readonly actionErrorEl = h('div', { class: 'action-error', testid: 'action-error' });
  private present = true;
  private closed = false;
  /** `bound()` is due: the card was attached to a new connection. */
  private needsBound = false;
  /** Ends the loop's wait early (a new connection: refresh now). */
  private wake: (() => void) | undefined;

  constructor(
    readonly id: ResourceId,
    protected readonly ctx: CardContext,
  ) {
    this.body = h('div', { class: 'card-body' });
    this.el = h(
      'section',
      { class: 'card', 'data-resource': id.name, 'data-api': id.subtype },
      h(
        'header',
        {},
        h('h3', {}, id.name),
        h('span', { class: 'api' }, apiOf(id)),
        this.stateEl,
      ),
      this.errorEl,
      this.callErrorEl,
      this.body,
      this.actionErrorEl,
      this.doCommandBox(),
    );
    void this.loop();
  }

  /** Makes this card's SDK client on a (new) connection. */
  protected abstract makeClient(robot: RobotClient): C;

  /** Reads the live values; throwing shows the error in the card. */
  protected async refresh(): Promise<void> {}

  /** Called after every (re)connection, before the first refresh. */
  protected async bound(): Promise<void> {}

  /** Attach to a new connection (or detach: undefined). */
  bind(robot: RobotClient | undefined): void {
    this.client = robot ? this.makeClient(robot) : undefined;
    this.needsBound = robot !== undefined;
    this.callErrorEl.textContent = '';
    this.wake?.();
  }

  /** Refresh now rather than at the next period (after a user's choice). */
  protected refreshSoon(): void {
    this.wake?.();
  }

  /** Stop-all was pressed and answered. */
  stopped(): void {}

  /** State and last error from GetMachineStatus. */
  setStatus(state: string, error: string): void {
    this.present = true;
    this.el.classList.remove('removed');
    this.el.dataset.state = state;
    this.stateEl.textContent = state;
    this.errorEl.textContent = error;
  }

  /** The resource is no longer on the machine (it may come back). */
  setRemoved(): void {
    if (!this.present) return;
    this.present = false;
    this.el.classList.add('removed');
    this.el.dataset.state = 'removed';
    this.stateEl.textContent = 'removed';
    this.callErrorEl.textContent = 'this resource is not on the machine any more';
  }

  close(): void {
    this.closed = true;
    this.el.remove();
  }

  /** Runs a user action; its failure is shown until the next action. */
  protected async act(what: string, action: (client: C) => Promise<unknown>): Promise<void> {
    const client = this.client;
    if (!client) {
      this.actionErrorEl.textContent = `${what}: not connected`;
      return;
    }
    this.actionErrorEl.textContent = '';
    try {
      await action(client);
    } catch (error) {
      this.actionErrorEl.textContent = `${what}: ${errorText(error)}`;
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const started = performance.now();
      // Nothing to show in a hidden tab: no calls until it is visible again.
      if (this.client && this.present && !document.hidden) {
        try {
          if (this.needsBound) {
            this.needsBound = false;
            failures = 0;
            await this.bound();
          }
          await this.refresh();
          failures = 0;
          if (this.present) this.callErrorEl.textContent = '';
        } catch (error) {
          failures++;
          // A failure of a client that was since replaced is stale.
          if (this.client && this.present) this.callErrorEl.textContent = errorText(error);
        }
      }
      // Every `interval` from start to start; a failing resource is asked
      // less often (up to every 5 s).
      const period = failures === 0 ? this.interval : Math.min(5000, this.interval * 2 ** Math.min(failures, 3));
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.max(10, period - (performance.now() - started)));
      });
      this.wake = undefined;
    }
  }

  private doCommandBox(): HTMLElement {
    const input = h('textarea', {
      testid: 'docommand-in',
      rows: 2,
      spellcheck: 'false',
      placeholder: '{"command": "..."}',
    });
    const send = h('button', { testid: 'docommand-send', type: 'button' }, 'Send');
    const out = h('pre', { class: 'docommand-out', testid: 'docommand-out' });
    const error = h('div', { class: 'docommand-error', testid: 'docommand-error' });
    send.addEventListener('click', () => {
      out.textContent = '';
      error.textContent = '';
      let command: unknown;
      try {
        command = JSON.parse(input.value);
      } catch (e) {
        error.textContent = `invalid JSON, not sent: ${errorText(e)}`;
        return;
      }
      if (command === null || typeof command !== 'object' || Array.isArray(command)) {
        error.textContent = 'a command is a JSON object, e.g. {"command": "get"}; not sent';
        return;
      }
      const client = this.client;
      if (!client) {
        error.textContent = 'not connected';
        return;
      }
      send.disabled = true;
      client
        .doCommand(Struct.fromJson(command as Record<string, JsonValue>))
        .then((reply) => {
          out.textContent = JSON.stringify(reply, null, 2);
        })
        .catch((e: unknown) => {
          error.textContent = errorText(e);
        })
        .finally(() => {
          send.disabled = false;
        });
    });
    return h('div', { class: 'docommand' }, h('div', { class: 'label' }, 'DoCommand'), input, send, error, out);
  }
}
