// The host's JSON endpoints (same origin as the page): /armature/modules and
// /armature/logs. With API-key auth on they answer 401 until the request
// carries HTTP Basic auth with the key id and key.

import type { ApiKey } from './connection';

export class AuthRequired extends Error {
  constructor() {
    super('the host wants an API key');
  }
}

export interface ModulesReply {
  modules: {
    name: string;
    version: string;
    file: string;
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

  async get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) {
      const raw = new TextEncoder().encode(`${this.apiKey.id}:${this.apiKey.key}`);
      headers.authorization = `Basic ${btoa(String.fromCharCode(...raw))}`;
    }
    const response = await fetch(url, { headers, cache: 'no-store' });
    if (response.status === 401) throw new AuthRequired();
    if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  modules(): Promise<ModulesReply> {
    return this.get('/armature/modules');
  }

  logs(after: number, resource?: string): Promise<LogsReply> {
    return this.get('/armature/logs', { after, resource });
  }
}
