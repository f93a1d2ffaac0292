// Module: parameters and buffers found by walking own fields in declaration order (PyTorch's order)
import { PairbenchError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

export type StateDict = Record<string, { shape: number[]; data: number[] }>;

export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  t.isParameter = true;
  return t;
}

// running statistics and other state that is saved but not trained
export class Buffer {
  constructor(public value: Tensor) {}
}

export abstract class Module {
  training = true;

  abstract forward(x: Tensor): Tensor;

  // children, parameters and buffers in field order; arrays of modules are named by index
  private entries(prefix: string): [string, Tensor | Buffer | Module][] {
    const out: [string, Tensor | Buffer | Module][] = [];
    const self = this as unknown as Record<string, unknown>;
    const keys = Object.keys(self);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const v = self[key];
      const name = prefix + key;
      if (v instanceof Tensor && v.isParameter) out.push([name, v]);
      else if (v instanceof Buffer || v instanceof Module) out.push([name, v]);
      else if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (v[i] instanceof Module) out.push([`${name}.${i}`, v[i] as Module]);
      }
    }
    return out;
  }

  // this module and every module below it, depth first in field order
  private collectModules(out: Module[]): void {
    out.push(this);
    const self = this as unknown as Record<string, unknown>;
    const keys = Object.keys(self);
    for (let k = 0; k < keys.length; k++) {
      const v = self[keys[k]!];
      if (v instanceof Module) v.collectModules(out);
      else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) if (v[i] instanceof Module) (v[i] as Module).collectModules(out);
    }
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const walk = (m: Module, p: string): void => {
      for (const [name, v] of m.entries(p)) {
        if (v instanceof Module) walk(v, name + '.');
        else if (v instanceof Tensor && !seen.has(v)) { seen.add(v); out.push([name, v]); }
      }
    };
    walk(this, prefix);
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Buffer>();
    const walk = (m: Module, p: string): void => {
      for (const [name, v] of m.entries(p)) {
        if (v instanceof Module) walk(v, name + '.');
        else if (v instanceof Buffer && !seen.has(v)) { seen.add(v); out.push([name, v.value]); }
      }
    };
    walk(this, prefix);
    return out;
  }

  modules(): Module[] {
    const out: Module[] = [];
    this.collectModules(out);
    return out;
  }

  parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  train(on = true): this {
    const all = this.modules();
    for (let i = 0; i < all.length; i++) all[i]!.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [name, t] of [...this.namedParameters(), ...this.namedBuffers()]) sd[name] = { shape: [...t.shape], data: Array.from(t.data) };
    return sd;
  }

  loadStateDict(sd: StateDict): void {
    const own = [...this.namedParameters(), ...this.namedBuffers()];
    const missing = own.filter(([n]) => !(n in sd)).map(([n]) => n);
    if (missing.length > 0) throw new PairbenchError('bad_argument', `loadStateDict: missing entries ${missing.join(', ')}`, { missing });
    for (const [name, t] of own) {
      const e = sd[name]!;
      if (e.data.length !== t.size || e.shape.join(',') !== t.shape.join(',')) {
        throw new PairbenchError('shape_mismatch', `loadStateDict: '${name}' has shape [${e.shape.join(', ')}], the module expects [${t.shape.join(', ')}]`, { op: 'loadStateDict', shapes: { expected: t.shape, got: e.shape }, name });
      }
      t.data.set(e.data);
    }
  }
}
