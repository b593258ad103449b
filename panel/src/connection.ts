// Dialing the host with the Viam TypeScript SDK, and re-dialing when it goes away.
//
// How the panel connects (@viamrobotics/sdk 0.61.1; read from its source):
//
// - Direct gRPC-Web, no WebRTC: `new RobotClient()` then
//   `dial({host, noReconnect: true, disableSessions: true})`. Passing no
//   `signalingAddress` makes dial() take the direct path only.
// - Not `createRobotClient()`: after a successful direct dial it still
//   rejects, because it checks `isConnected()`, which only looks at a WebRTC
//   peer connection.
// - `noReconnect`: the SDK's own reconnect keeps the old component clients
//   bound to a dead transport; the panel re-dials itself (backoff below) and
//   rebuilds every client on the new RobotClient.
// - `disableSessions`: with sessions on, each dial starts a session heartbeat
//   loop (in a Worker) that the SDK never stops, not even on disconnect(), so
//   every reconnect would leave one more loop heartbeating a dead session.
//   The always-visible Stop-all button is the panel's safety stop instead.
// - The SDK refuses to dial directly a host whose URL lacks the substring
//   "local" ("cannot dial ... directly, please use a local url instead").
//   The panel is served by the host itself, so it dials its own origin; when
//   the page was opened at a loopback IP (http://127.0.0.1:8080/, the host's
//   default listen address), it dials http://localhost:8080 instead: the same
//   server, a name the SDK accepts, and the host allows the cross-origin
//   gRPC-Web calls (CORS). The JSON endpoints are fetched from the page's own
//   origin. Any other address without "local" (a LAN IP, say) cannot be
//   dialed by this SDK version: the panel says so; use a *.local name.
// - `?host=http://localhost:8080` in the page URL overrides the address,
//   under the dev server only (`npm run dev` proxies to the host instead).

import { Code, MachineConnectionEvent, RobotClient } from '@viamrobotics/sdk';
import { errorCode, errorText } from './dom';

export interface ApiKey {
  id: string;
  key: string;
}

export interface Addresses {
  /** Base URL of the gRPC-Web calls. */
  grpc: string;
  /** Base URL of the JSON endpoints (/armature/...). */
  http: string;
  /** Why the SDK will refuse `grpc`, if it will. */
  problem?: string;
}

const isLoopbackIp = (hostname: string) => /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]';

export function addresses(location: Location = window.location): Addresses {
  // Honoured only by the dev server: in the embedded panel, a link with
  // ?host= could point the real panel at another machine that asks for the
  // API key.
  const override = import.meta.env.DEV ? new URLSearchParams(location.search).get('host') : null;
  const base = new URL(override ?? location.origin);
  const http = base.origin;
  if (base.hostname.includes('local')) return { grpc: http, http };
  if (isLoopbackIp(base.hostname)) {
    base.hostname = 'localhost';
    return { grpc: base.origin, http };
  }
  return {
    grpc: http,
    http,
    problem:
      `the Viam TypeScript SDK only dials addresses containing "local": ` +
      `open the panel at http://localhost:${base.port || '80'}/ on the machine, or through a *.local name`,
  };
}

export interface ConnectionEvents {
  connected(robot: RobotClient): void;
  disconnected(): void;
  /** Text for the line under the connection state ("retrying in 2 s: ..."). */
  detail(text: string): void;
  /** The host wants an API key (or refused the one given). */
  authNeeded(message: string): void;
}

const BACKOFF_MS = [250, 500, 1000, 2000];
const MAX_BACKOFF_MS = 3000;

export class Connection {
  robot: RobotClient | undefined;
  connected = false;
  apiKey: ApiKey | undefined;
  private dialing = false;
  private waitingForKey = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly address: Addresses,
    private readonly events: ConnectionEvents,
  ) {}

  start(): void {
    void this.dialLoop();
  }

  /** The current client stopped answering: mark disconnected and re-dial. */
  lost(robot: RobotClient | undefined, reason: string): void {
    if (robot !== this.robot || !this.connected) return;
    this.connected = false;
    this.events.disconnected();
    this.events.detail(`lost the host (${reason}), retrying`);
    void this.dialLoop();
  }

  /** Dial again now, with this API key. */
  useApiKey(apiKey: ApiKey): void {
    this.apiKey = apiKey;
    this.waitingForKey = false;
    if (this.connected && this.robot) {
      this.connected = false;
      this.events.disconnected();
    }
    this.wake?.();
    void this.dialLoop();
  }

  private async dialLoop(): Promise<void> {
    if (this.dialing) return;
    this.dialing = true;
    try {
      for (let attempt = 0; !this.connected; attempt++) {
        if (this.waitingForKey) return;
        this.events.detail(attempt === 0 ? `connecting to ${this.address.grpc}` : `retrying (attempt ${attempt + 1})`);
        try {
          await this.dialOnce();
          return;
        } catch (error) {
          if (errorCode(error) === Code.Unauthenticated || errorCode(error) === Code.PermissionDenied) {
            this.waitingForKey = true;
            this.events.detail('the host wants an API key');
            this.events.authNeeded(this.apiKey ? `refused: ${causeText(error)}` : 'this host requires an API key');
            return;
          }
          const delay = BACKOFF_MS[attempt] ?? MAX_BACKOFF_MS;
          const why = this.address.problem ?? causeText(error);
          this.events.detail(`disconnected, retrying in ${(delay / 1000).toFixed(1)} s: ${why}`);
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            setTimeout(resolve, delay);
          });
          this.wake = undefined;
        }
      }
    } finally {
      this.dialing = false;
    }
  }

  private async dialOnce(): Promise<void> {
    const robot = new RobotClient();
    await robot.dial({
      host: this.address.grpc,
      noReconnect: true,
      disableSessions: true,
      dialTimeout: 5000,
      credentials: this.apiKey && { type: 'api-key', authEntity: this.apiKey.id, payload: this.apiKey.key },
    });
    // dial() does not throw for an aborted dial; make sure calls work.
    await robot.robotService.getOperations({}, { timeoutMs: 5000 });

    const old = this.robot;
    this.robot = robot;
    this.connected = true;
    // The SDK's own heartbeat (GetOperations every 10 s) failing.
    robot.on(MachineConnectionEvent.DISCONNECTED, () => this.lost(robot, 'heartbeat failed'));
    if (old) void old.disconnect().catch(() => undefined);
    this.events.detail(`connected to ${this.address.grpc}`);
    this.events.connected(robot);
  }
}

/** dial() rejects with "Failed to connect via all methods" and the reasons in `cause`. */
function causeText(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const causes = (Array.isArray(cause) ? cause : [cause]).filter((c) => c !== undefined);
  return causes.length > 0 ? causes.map(errorText).join('; ') : errorText(error);
}
