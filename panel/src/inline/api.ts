// The host's inline-module endpoints (/armature/inline/...), typed.

import type { HttpApi } from '../http';

export interface VersionInfo {
  version: string;
  created: string;
  rolled_back_from?: string;
  build_seconds: number;
  source_bytes: number;
}

export interface DeployStatus {
  id: number;
  module: string;
  state: 'building' | 'compiling' | 'swapping' | 'serving' | 'failed';
  phases: { phase: string; seconds: number }[];
  version: string | null;
  rolled_back_from?: string;
  serving: string | null;
  error: string | null;
  line: number | null;
  note: string | null;
}

export interface InlineModule {
  name: string;
  versions: VersionInfo[];
  in_config: boolean;
  pinned: string | null;
  serving: string | null;
  models: { api: string; model: string }[];
  deploy: DeployStatus | null;
}

export interface InlineList {
  modules: InlineModule[];
  templates: { id: string; title: string }[];
  config_editable: boolean;
}

export const finished = (d: DeployStatus) => d.state === 'serving' || d.state === 'failed';

export class InlineApi {
  constructor(private readonly http: HttpApi) {}

  list(): Promise<InlineList> {
    return this.http.get('/armature/inline');
  }

  async template(id: string, module: string): Promise<string> {
    return (await this.http.get<{ source: string }>(`/armature/inline/templates/${id}`, { module })).source;
  }

  async source(module: string, version?: string): Promise<string> {
    return (await this.http.get<{ source: string }>(`/armature/inline/${module}/source`, { version })).source;
  }

  deploy(module: string, source: string): Promise<DeployStatus> {
    return this.http.post(`/armature/inline/${module}/deploy`, { source });
  }

  rollback(module: string, version: string): Promise<DeployStatus> {
    return this.http.post(`/armature/inline/${module}/rollback`, { version });
  }

  lastDeploy(module: string): Promise<DeployStatus> {
    return this.http.get(`/armature/inline/${module}/deploy`);
  }

  addResource(resource: {
    name: string;
    api: string;
    model: string;
    attributes: Record<string, unknown>;
    depends_on: string[];
  }): Promise<{ added: string; state: string | null; error: string | null }> {
    return this.http.post('/armature/config/resources', resource);
  }
}

/** "built 6.8 s · compiled 1.2 s · serving 0.3 s". */
export function phasesText(d: DeployStatus): string {
  return d.phases.map((p) => `${p.phase} ${p.seconds.toFixed(1)} s`).join(' · ');
}
