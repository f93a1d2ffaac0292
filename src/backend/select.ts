// backend selection: native when the addon loads, else reference; PAIRBENCH_BACKEND forces one
import { PairbenchError } from '../errors.js';
import type { Backend } from './backend.js';
import { loadNative } from './native/index.js';
import { referenceBackend } from './reference/index.js';

export type BackendName = 'reference' | 'native';

let current: Backend | null = null;
let why = '';

export function getBackend(name?: BackendName): Backend {
  if (name !== undefined) return resolve(name);
  if (current === null) {
    const forced = process.env['PAIRBENCH_BACKEND'];
    if (forced !== undefined && forced !== '') {
      if (forced !== 'reference' && forced !== 'native') {
        throw new PairbenchError('bad_config', `PAIRBENCH_BACKEND must be 'reference' or 'native', got '${forced}'`, { field: 'PAIRBENCH_BACKEND', value: forced });
      }
      current = resolve(forced);
      why = `backend ${forced} (forced by PAIRBENCH_BACKEND)`;
    } else {
      const n = loadNative();
      if (n.ok) {
        current = n.backend;
        why = 'backend native';
      } else {
        current = referenceBackend;
        why = `backend reference (native unavailable: ${n.reason})`;
      }
    }
  }
  return current;
}

// one line saying which backend runs and why
export function backendReason(): string {
  getBackend();
  return why;
}

export function setBackend(name: BackendName): Backend {
  current = resolve(name);
  why = `backend ${name} (set by the program)`;
  return current;
}

export function availableBackends(): Backend[] {
  const list: Backend[] = [referenceBackend];
  const n = loadNative();
  if (n.ok) list.push(n.backend);
  return list;
}

function resolve(name: BackendName): Backend {
  if (name === 'reference') return referenceBackend;
  const n = loadNative();
  if (!n.ok) throw new PairbenchError('backend_unavailable', `backend 'native' is unavailable: ${n.reason}`, { backend: name, reason: n.reason });
  return n.backend;
}
