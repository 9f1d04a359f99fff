// One engine per built-in profile name, created on first use. Only names from profiles/ are
// accepted (never a path: a request must not make the service read arbitrary files), so the cache
// is bounded by the profiles shipped.
import { createEngine, type Engine } from '../margin/engine.js';
import { listProfiles } from '../profiles/registry.js';
import { HttpError } from './http-errors.js';

export class EngineCache {
  private readonly engines = new Map<string, Engine>();
  private known: Set<string> | undefined;

  get(profile: string): Engine {
    const hit = this.engines.get(profile);
    if (hit !== undefined) return hit;
    this.known ??= new Set(listProfiles());
    if (!this.known.has(profile)) {
      throw new HttpError(404, 'RG_ERR_PROFILE', `unknown profile "${profile}"; built-in profiles: ${[...this.known].join(', ')}`, 'profile', profile);
    }
    const engine = createEngine({ profile });
    this.engines.set(profile, engine);
    return engine;
  }
}
