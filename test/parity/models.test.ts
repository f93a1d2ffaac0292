// whole-model PyTorch fixtures: outputs, loss terms, every gradient, three Adam steps, batch-norm buffers
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { availableBackends, setBackend } from '../../src/backend/select.js';
import { PairbenchError } from '../../src/errors.js';
import { allModels } from '../../src/models/registry.js';
import type { ModelSpec, PairNetwork } from '../../src/models/types.js';
import { Adam } from '../../src/optim/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { pairLoss } from '../../src/train/losses.js';
import { anyFixtures, closeReport, fixturesDir, listFixtures, readFixture, readSibling, skipAbsentKind, type FixtureTensor } from '../helpers/fixtures.js';

type Named = FixtureTensor & { name: string };
interface ModelFixture {
  model: string; param_count: number; config: Record<string, unknown>;
  params: Named[]; buffers?: Named[]; buffers_after_forward?: Named[];
  input: FixtureTensor; target: FixtureTensor; classes: FixtureTensor;
  outputs: Record<string, FixtureTensor>;
  loss: { main_value: number | null; aux1_value: number | null; aux2_value: number | null; total_value: number };
  grads_file: string;
  steps: { hyper: { lr: number }; total_loss_before_step: number[]; total_loss_after_step3: number; param_l2_after_step3: { name: string; l2: number }[] };
}

const cases = listFixtures('models').filter((c) => !c.name.endsWith('.grads'));

// the spec a fixture names, built with every hyperparameter of its config (H, lambda, dropout,
// oneHot, aux_weight...; snake_case keys read as the zoo's camelCase); a key the model lacks fails
function specFor(f: ModelFixture): ModelSpec | undefined {
  const base = allModels().find((m) => m.id === f.model);
  if (base === undefined) return undefined;
  const set = Object.fromEntries(Object.entries(f.config).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
  try {
    return base.variant(set);
  } catch (e) {
    if (e instanceof PairbenchError) assert.fail(`the fixture's config ${JSON.stringify(f.config)}: ${e.message}`);
    throw e;
  }
}

// fixture parameters in layer order -> our parameters in layer order, shapes checked
function loadParams(net: PairNetwork, params: Named[]): string[] {
  const ours = net.namedParameters();
  const errs: string[] = [];
  if (ours.length !== params.length) errs.push(`parameter tensors: ours ${ours.length}, fixture ${params.length}`);
  params.forEach((p, i) => {
    const o = ours[i];
    if (o === undefined) return;
    if (o[1].shape.join(',') !== p.shape.join(',')) errs.push(`${p.name} shape [${p.shape}] vs ours ${o[0]} [${o[1].shape}]`);
    else o[1].data.set(p.data);
  });
  return errs;
}

function buffersOf(net: PairNetwork): Tensor[] {
  return net.namedBuffers().map(([, t]) => t);
}

for (const be of availableBackends()) {
  describe(`model fixtures on the ${be.name} backend`, () => {
    test('the fixture directory has cases', () => assert.ok(anyFixtures(), `no fixture case at all in ${fixturesDir()}`));
    test('the fixture directory has model cases', { skip: skipAbsentKind('models') }, () => assert.ok(cases.length > 0));
    for (const { name, path } of cases) {
      test(name, (t) => {
        setBackend(be.name);
        const f = readFixture<ModelFixture>(path);
        const spec = specFor(f);
        if (spec === undefined) { t.skip(`model '${f.model}' is not in the zoo`); return; }
        const errs: string[] = [];
        const push = (e: string | null): void => { if (e !== null) errs.push(e); };
        const net = spec.build({ init: new Rng(0), dropout: new Rng(1) });
        assert.equal(net.parameterCount(), f.param_count, 'parameter count');
        assert.equal(spec.params, f.param_count, 'the registry\'s parameter count');
        errs.push(...loadParams(net, f.params));
        const bufs = buffersOf(net);
        const fb = (f.buffers ?? []).filter((b) => /running_(mean|var)$/.test(b.name));
        assert.equal(bufs.length, fb.length, 'batch-norm buffers');
        fb.forEach((b, i) => bufs[i]!.data.set(b.data));
        assert.equal(errs.join('\n'), '', 'parameters load');

        net.train();
        const x = Tensor.from(f.input.data, f.input.shape);
        const target = Float32Array.from(f.target.data);
        const classes = Int32Array.from(f.classes.data);
        const out = net.forwardPair(x);
        push(closeReport('output main', out.main!.data, f.outputs['main']!.data, 1e-5, 1e-4));
        if (f.outputs['aux1']) {
          push(closeReport('output aux1', out.digits![0].data, f.outputs['aux1'].data, 1e-5, 1e-4));
          push(closeReport('output aux2', out.digits![1].data, f.outputs['aux2']!.data, 1e-5, 1e-4));
        }
        (f.buffers_after_forward ?? []).filter((b) => /running_(mean|var)$/.test(b.name))
          .forEach((b, i) => push(closeReport(`buffer ${b.name}`, bufs[i]!.data, b.data, 1e-5, 1e-4)));
        const loss = pairLoss(spec.recipe, out, target, classes, 0, spec.recipe.epochs);
        const terms: [string, number | null][] = [['main', f.loss.main_value], ['aux1', f.loss.aux1_value], ['aux2', f.loss.aux2_value]];
        for (const [k, v] of terms) if (v !== null) push(closeReport(`loss ${k}`, [loss.terms[k]!], [v], 1e-5, 1e-4));
        push(closeReport('loss total', [loss.total.item()], [f.loss.total_value], 1e-5, 1e-4));
        loss.total.backward();
        const grads = readSibling<{ grads: Named[] }>(path, f.grads_file).grads;
        const ours = net.namedParameters();
        grads.forEach((g, i) => push(closeReport(`grad ${g.name}`, ours[i]![1].grad!.data, g.data, 1e-4, 1e-4)));

        // three Adam steps from the stored parameters on the same batch
        errs.push(...loadParams(net, f.params));
        fb.forEach((b, i) => bufs[i]!.data.set(b.data));
        const opt = new Adam(net.parameters(), { lr: f.steps.hyper.lr });
        const before: number[] = [];
        for (let s = 0; s < 3; s++) {
          const l = pairLoss(spec.recipe, net.forwardPair(x), target, classes, 0, spec.recipe.epochs).total;
          before.push(l.item());
          opt.zeroGrad();
          l.backward();
          opt.step();
        }
        push(closeReport('losses before each Adam step', before, f.steps.total_loss_before_step, 1e-3, 1e-3));
        const after = pairLoss(spec.recipe, net.forwardPair(x), target, classes, 0, spec.recipe.epochs).total.item();
        push(closeReport('loss after step 3', [after], [f.steps.total_loss_after_step3], 1e-3, 1e-3));
        const l2 = net.namedParameters().map(([, p]) => { let s = 0; for (const v of p.data) s += v * v; return Math.sqrt(s); });
        push(closeReport('parameter l2 after step 3', l2, f.steps.param_l2_after_step3.map((p) => p.l2), 1e-3, 1e-3));
        assert.equal(errs.join('\n'), '');
      });
    }
  });
}
