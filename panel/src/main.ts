// Armature's control panel: every resource of the machine this page is
// served by, grouped by API, a card per resource; Stop-all; the host's log;
// its modules. All robot calls go through the official Viam TypeScript SDK.

import './style.css';
import { Code, type RobotClient } from '@viamrobotics/sdk';
import { CaptureView } from './capture/view';
import { API_ORDER, createCard } from './cards';
import { apiOf, type Card, type ResourceId } from './cards/card';
import { Connection, addresses, type ApiKey } from './connection';
import { errorCode, errorText, h, sleep } from './dom';
import { AuthRequired, HttpApi } from './http';
import { InlineView } from './inline/view';
import { LogView } from './logs';
import { ModulesView } from './modules';

const STATUS_EVERY_MS = 1000;
const RELIST_EVERY_MS = 3000;
const MODULES_EVERY_MS = 10_000;
const LOGS_EVERY_MS = 1000;
const CAPTURE_EVERY_MS = 1000;

/** ResourceStatus.State, as the page shows it. */
const STATES: Record<number, string> = {
  0: 'unknown',
  1: 'unconfigured',
  2: 'configuring',
  3: 'ready',
  4: 'removing',
  5: 'unhealthy',
};

const address = addresses();
const http = new HttpApi(address.http);

// The page -------------------------------------------------------------------

const connectionEl = h('span', { id: 'connection', class: 'disconnected' }, 'disconnected');
const connectionDetail = h('span', { id: 'connection-detail' });
const stopAll = h('button', { id: 'stop-all', type: 'button' }, 'STOP ALL');
const stopAllResult = h('span', { id: 'stop-all-result' });
const keyId = h('input', { type: 'text', name: 'key-id', placeholder: 'API key id', autocomplete: 'username' });
const key = h('input', { type: 'password', name: 'key', placeholder: 'API key', autocomplete: 'current-password' });
const authMessage = h('span', { class: 'auth-message' });
const authForm = h('form', { id: 'auth', hidden: true }, authMessage, keyId, key, h('button', { type: 'submit' }, 'Connect'));
const groupsEl = h('div', { id: 'resources' });
const modules = new ModulesView();
const logs = new LogView(http);
const capture = new CaptureView();
const inline = new InlineView(http, () => void refreshModules());
modules.el.append(inline.el);

document.body.append(
  h(
    'header',
    { id: 'top' },
    h('h1', {}, 'Armature'),
    h('div', { class: 'connection' }, connectionEl, connectionDetail),
    authForm,
    h('div', { class: 'stop-all' }, stopAllResult, stopAll),
  ),
  h('main', {}, groupsEl, capture.el, logs.el, modules.el),
);

// Cards, grouped by API ----------------------------------------------------------

const cards = new Map<string, Card>();
const groups = new Map<string, HTMLElement>();
let protoServices = new Map<string, string>();
const ctx = {
  protoService: (api: string) => protoServices.get(api),
  resourcesOf: (api: string) => [...cards.values()].filter((c) => apiOf(c.id) === api).map((c) => c.id.name),
};
const keyOf = (id: ResourceId) => `${apiOf(id)}/${id.name}`;

function groupFor(api: string): HTMLElement {
  let group = groups.get(api);
  if (!group) {
    group = h('section', { class: 'api-group', 'data-api-group': api }, h('h2', {}, api), h('div', { class: 'cards' }));
    groups.set(api, group);
    const rank = (a: string) => (API_ORDER.includes(a) ? API_ORDER.indexOf(a) : API_ORDER.length);
    const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    groupsEl.replaceChildren(...order.map((a) => groups.get(a)!));
  }
  return group.querySelector('.cards')!;
}

function cardFor(id: ResourceId, robot: RobotClient | undefined): Card {
  const k = keyOf(id);
  let card = cards.get(k);
  if (!card) {
    card = createCard({ namespace: id.namespace, type: id.type, subtype: id.subtype, name: id.name }, ctx);
    cards.set(k, card);
    const container = groupFor(apiOf(id));
    const after = [...container.children].find((el) => (el as HTMLElement).dataset.resource! > id.name);
    container.insertBefore(card.el, after ?? null);
    card.bind(robot);
  }
  return card;
}

/** Resources the panel shows: components and services, not the host's internals. */
const shown = (id: ResourceId | undefined): id is ResourceId =>
  id !== undefined && (id.type === 'component' || id.type === 'service') && id.namespace !== 'rdk-internal';

/**
 * Brings the cards in line with the machine: ResourceNames says what is
 * served, GetMachineStatus the state and error of everything configured
 * (including what failed to build). A card whose resource is in neither says
 * it was removed, and comes back to life if the resource does.
 */
async function syncResources(robot: RobotClient, relist: boolean): Promise<void> {
  const status = await robot.robotService.getMachineStatus({}, { timeoutMs: 5000 });
  const seen = new Set<string>();
  if (relist) {
    const [names, subtypes] = await Promise.all([
      robot.resourceNames(),
      robot.resourceRPCSubtypes().catch(() => []),
    ]);
    protoServices = new Map(
      subtypes.filter((s) => s.subtype).map((s) => [apiOf(s.subtype!), s.protoService]),
    );
    const dataManager = names.find((n) => n.type === 'service' && n.subtype === 'data_manager');
    capture.bind(robot, dataManager?.name);
    for (const id of names.filter(shown)) {
      const card = cardFor(id, robot);
      seen.add(keyOf(id));
      if (!status.resources.some((r) => r.name && keyOf(r.name) === keyOf(id))) card.setStatus('ready', '');
    }
  }
  for (const resource of status.resources) {
    if (!shown(resource.name)) continue;
    const card = cardFor(resource.name, robot);
    seen.add(keyOf(resource.name));
    card.setStatus(STATES[resource.state] ?? `state ${resource.state}`, resource.error);
  }
  if (relist) {
    for (const [k, card] of cards) if (!seen.has(k)) card.setRemoved();
    logs.setResources([...cards.values()].map((c) => c.id.name));
  }
}

// Connection ---------------------------------------------------------------------

const connection = new Connection(address, {
  connected(robot) {
    connectionEl.textContent = 'connected';
    connectionEl.className = 'connected';
    document.body.classList.remove('offline');
    authForm.hidden = true;
    for (const card of cards.values()) card.bind(robot);
    void statusLoop(robot);
    void refreshModules();
  },
  disconnected() {
    connectionEl.textContent = 'disconnected';
    connectionEl.className = 'disconnected';
    document.body.classList.add('offline');
    for (const card of cards.values()) card.bind(undefined);
    capture.bind(undefined, undefined);
  },
  detail(text) {
    connectionDetail.textContent = text;
  },
  authNeeded(message) {
    showAuth(message);
  },
});

/** Machine status every second, the resource list every 3 s, while this connection lasts. */
async function statusLoop(robot: RobotClient): Promise<void> {
  let lastList = 0;
  while (connection.robot === robot && connection.connected) {
    try {
      const relist = Date.now() - lastList >= RELIST_EVERY_MS;
      await syncResources(robot, relist);
      if (relist) lastList = Date.now();
    } catch (error) {
      if (connection.robot !== robot) return;
      if (errorCode(error) === Code.Unauthenticated) {
        showAuth('the host wants an API key');
      }
      // GetMachineStatus always answers on a live host: it is gone.
      connection.lost(robot, errorText(error));
      return;
    }
    await sleep(STATUS_EVERY_MS);
  }
}

function showAuth(message: string): void {
  authMessage.textContent = message;
  authForm.hidden = false;
}

authForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const apiKey: ApiKey = { id: keyId.value.trim(), key: key.value };
  http.apiKey = apiKey;
  authMessage.textContent = 'connecting…';
  connection.useApiKey(apiKey);
  void refreshModules();
});

stopAll.addEventListener('click', () => {
  const robot = connection.robot;
  if (!robot || !connection.connected) {
    stopAllResult.textContent = 'not connected';
    return;
  }
  stopAllResult.textContent = 'stopping…';
  robot
    .stopAll()
    .then(() => {
      for (const card of cards.values()) card.stopped();
      stopAllResult.textContent = `stopped at ${new Date().toLocaleTimeString()}`;
    })
    .catch((error: unknown) => {
      stopAllResult.textContent = `StopAll failed: ${errorText(error)}`;
    });
});

// JSON endpoints -------------------------------------------------------------------

async function refreshModules(): Promise<void> {
  try {
    modules.show(await http.modules());
    await inline.refresh();
  } catch (error) {
    if (error instanceof AuthRequired) showAuth('the host wants an API key');
    modules.failed(`modules: ${errorText(error)}`);
  }
}

async function everyWhileConnected(ms: number, work: () => Promise<void>): Promise<never> {
  for (;;) {
    await sleep(ms);
    if (connection.connected) await work();
  }
}

void everyWhileConnected(MODULES_EVERY_MS, refreshModules);
void everyWhileConnected(CAPTURE_EVERY_MS, () => capture.poll());
void everyWhileConnected(LOGS_EVERY_MS, async () => {
  try {
    await logs.poll();
  } catch (error) {
    if (error instanceof AuthRequired) showAuth('the host wants an API key');
    logs.failed(`log: ${errorText(error)}`);
  }
});

connection.start();
