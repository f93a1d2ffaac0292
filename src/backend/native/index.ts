// placeholder until the addon lands: reports the native backend as unavailable
import type { Backend } from '../backend.js';

export type NativeLoad = { ok: true; backend: Backend } | { ok: false; reason: string };

export function loadNative(): NativeLoad {
  return { ok: false, reason: 'the native addon is not part of this build yet' };
}
