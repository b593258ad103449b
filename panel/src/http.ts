// The host's JSON endpoints (same origin as the page): /armature/modules and
// /armature/logs. With API-key auth on they answer 401 until the request
// carries HTTP Basic auth with the key id and key.

import type { ApiKey } from './connection';

/** A refusal with the host's reason (`{"error": ...}`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class AuthRequired extends Error {
  constructor() {
    super('the host wants an API key');
  }
}

export interface ModulesReply {
  modules: {
    name: string;
    kind: 'file' | 'registry' | 'inline' | 'builtin';
    version: string;
    file: string | null;
    source?: { reference: string } | null;
    models: { api: string; model: string }[];
  }[];
  errors?: string[];
}

export interface LogLine {
  seq: number;
  time: string;
  level: string;
  resource: string | null;
  message: string;
}

export interface LogsReply {
  lines: LogLine[];
  next: number;
}

export class HttpApi {
  apiKey: ApiKey | undefined;

  constructor(private readonly base: string) {}

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) {
      const raw = new TextEncoder().encode(`${this.apiKey.id}:${this.apiKey.key}`);
      headers.authorization = `Basic ${btoa(String.fromCharCode(...raw))}`;
    }
    return headers;
  }

  private async answer<T>(url: URL, response: Response): Promise<T> {
    if (response.status === 401) throw new AuthRequired();
    if (!response.ok) {
      const text = await response.text();
      let reason = text;
      try {
        reason = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // Not JSON: the text is the reason.
      }
      throw new HttpError(response.status, `${url.pathname}: ${reason}`);
    }
    return (await response.json()) as T;
  }

  async get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const response = await fetch(url, { headers: this.headers(), cache: 'no-store' });
    return this.answer<T>(url, response);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    const url = new URL(path, this.base);
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...this.headers(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
    });
    return this.answer<T>(url, response);
  }

  modules(): Promise<ModulesReply> {
    return this.get('/armature/modules');
  }

  logs(after: number, resource?: string): Promise<LogsReply> {
    return this.get('/armature/logs', { after, resource });
  }
}
