import type { CreatedApiKeyDto } from './schema.gen';

// A key's plaintext is answered once, by the call that creates it. When that call happens on one
// screen and the key is shown on the next (new project → onboarding), it waits here, in memory only,
// and is taken once: a reload does not bring it back, as the API would not.
const waiting = new Map<string, CreatedApiKeyDto>();

export function handOffKey(projectId: string, key: CreatedApiKeyDto): void {
  waiting.set(projectId, key);
}

export function takeKey(projectId: string): CreatedApiKeyDto | undefined {
  const key = waiting.get(projectId);
  // Gone after this render (React may call a state initialiser twice in one render while developing).
  setTimeout(() => waiting.delete(projectId), 0);
  return key;
}
