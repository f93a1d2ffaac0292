// carparelli2019 (seed 001): {shallow, mlp, conv1, conv2} x {sharing, nosharing} x {aux, noaux}, lambda-weighted aux loss
import { Flatten, Linear } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { convLayers, fcLayers, mlpHead, PairNet, Stack } from './blocks.js';
import { hyperModel, type BaseSpec } from './hyper.js';
import { recipe } from './recipes.js';
import type { BuildContext, HyperParam, HyperValues, ModelSpec, ReportDescriptor } from './types.js';

const REPORT = 'carparelli2019';

export interface CarparelliHyper { hidden: number; lr: number; lambda: number }
// the report's best configuration (conv2-sharing-aux); the grid search may pick others
export const CARPARELLI_DEFAULT: CarparelliHyper = { hidden: 100, lr: 1e-3, lambda: 0.5 };

type Kind = 'shallow' | 'mlp' | 'conv1' | 'conv2';
const KINDS: Kind[] = ['shallow', 'mlp', 'conv1', 'conv2'];

// per-image branch and the size of its features
function branch(kind: Kind, h: number, ctx: BuildContext): { net: Module; features: number } {
  switch (kind) {
    case 'shallow': return { net: new Stack({ flatten: new Flatten(), ...fcLayers(196, [h], ctx) }), features: h };
    case 'mlp': return { net: new Stack({ flatten: new Flatten(), ...fcLayers(196, [h, h], ctx) }), features: h };
    case 'conv1': return {
      net: new Stack({ ...convLayers(1, [{ out: 32, k: 3, pool: true }, { out: 64, k: 3, pool: true }], ctx), ...fcLayers(256, [h], ctx) }),
      features: h,
    };
    case 'conv2': return {
      // 14 -k5-> 10 -k3-> 8 -k3-> 6 -pool-> 3 -k2-> 2: 128 x 2 x 2 = 512
      net: new Stack(convLayers(1, [{ out: 16, k: 5 }, { out: 32, k: 3 }, { out: 64, k: 3, pool: true }, { out: 128, k: 2 }], ctx)),
      features: 512,
    };
  }
}

const PUBLISHED: Record<Kind, [number, number][]> = {
  // nosharing-noaux, sharing-noaux, nosharing-aux, sharing-aux
  shallow: [[0.7188, 0.0584], [0.7755, 0.0114], [0.7604, 0.0403], [0.7751, 0.0096]],
  mlp: [[0.8028, 0.0130], [0.7963, 0.0190], [0.8050, 0.0094], [0.8122, 0.0168]],
  conv1: [[0.7978, 0.0136], [0.8043, 0.0174], [0.8043, 0.0117], [0.8154, 0.0143]],
  conv2: [[0.8148, 0.0147], [0.8300, 0.0120], [0.8205, 0.0127], [0.8319, 0.0111]],
};

function paramCount(kind: Kind, sharing: boolean, aux: boolean, h: number): number {
  const lin = (i: number, o: number): number => i * o + o;
  const conv = (c: number, o: number, k: number): number => c * o * k * k + o;
  const br = { shallow: lin(196, h), mlp: lin(196, h) + lin(h, h), conv1: conv(1, 32, 3) + conv(32, 64, 3) + lin(256, h),
    conv2: conv(1, 16, 5) + conv(16, 32, 3) + conv(32, 64, 3) + conv(64, 128, 2) }[kind];
  const f = kind === 'conv2' ? 512 : h;
  const head = kind === 'conv2' ? lin(1024, h) + lin(h, 2) : lin(2 * h, 2);
  return br * (sharing ? 1 : 2) + head + (aux ? lin(f, 10) * (sharing ? 1 : 2) : 0);
}

const H_PARAM: HyperParam = { key: 'H', kind: 'integer', min: 1, max: 100000, about: 'hidden units H' };
const LAMBDA_PARAM: HyperParam = { key: 'lambda', kind: 'number', min: 0, about: 'weight of the digit losses (aux models)' };

function makeSpec(kind: Kind, sharing: boolean, aux: boolean, h: HyperValues): BaseSpec {
  const hidden = h['H'] as number;
  const lambda = aux ? (h['lambda'] as number) : CARPARELLI_DEFAULT.lambda;
  const name = `${kind}-${sharing ? 'sharing' : 'nosharing'}-${aux ? 'aux' : 'noaux'}`;
  const [mean, sd] = PUBLISHED[kind][(sharing ? 1 : 0) + (aux ? 2 : 0)]!;
  const ours = ['ReLU after each branch layer', `H = ${hidden}, lr = ${CARPARELLI_DEFAULT.lr}, lambda = ${lambda} (the report's best configuration) unless a grid search picks others`];
  if (kind === 'conv1') ours.push('conv1 channels 32 and 64');
  return {
    id: `${REPORT}/${name}`, report: REPORT, params: paramCount(kind, sharing, aux, hidden),
    ...(kind === 'conv2' && sharing && aux ? { reportParams: 164280 } : {}),
    description: `${kind} branch per image (${sharing ? 'shared' : 'separate'}), ` +
      (kind === 'conv2' ? 'concat 1024 -> H -> 2' : 'concat 2H -> 2') + (aux ? `; digit head${sharing ? '' : 's'} -> 10, loss = CE + lambda (CE1 + CE2)` : ''),
    ours,
    recipe: recipe({
      optimizer: { kind: 'adam', lr: CARPARELLI_DEFAULT.lr }, batchSize: 100, epochs: 25, rounds: 30, mainLoss: 'ce',
      auxLoss: aux ? { weight: { kind: 'constant', value: lambda }, onSigmoid: false } : null,
    }),
    published: { model: `${REPORT}/${name}`, report: REPORT, mean, sd, rounds: 30, bestEpoch: false, note: 'mean / sd over 30 repetitions, grid-searched H, lr, lambda' },
    build: (ctx) => {
      const b1 = branch(kind, hidden, ctx);
      const b2 = sharing ? null : branch(kind, hidden, ctx);
      const head = kind === 'conv2' ? mlpHead(1024, [hidden], 2, ctx) : mlpHead(2 * hidden, [], 2, ctx);
      const d1 = aux ? new Stack({ fc: new Linear(b1.features, 10, ctx.init) }) : null;
      const d2 = aux && !sharing ? new Stack({ fc: new Linear(b1.features, 10, ctx.init) }) : null;
      return new PairNet({
        branch: b1.net, ...(b2 ? { branch2: b2.net } : {}), head,
        ...(d1 ? { digitHead: d1 } : {}), ...(d2 ? { digitHead2: d2 } : {}),
      });
    },
  };
}

// hp: the old way to set H, lr, lambda (the same as spec.variant({ H, lr, lambda }))
export function carparelliModel(kind: Kind, sharing: boolean, aux: boolean, hp?: CarparelliHyper): ModelSpec {
  const spec = hyperModel({
    space: aux ? [H_PARAM, LAMBDA_PARAM] : [H_PARAM],
    defaults: aux ? { H: CARPARELLI_DEFAULT.hidden, lambda: CARPARELLI_DEFAULT.lambda } : { H: CARPARELLI_DEFAULT.hidden },
    make: (h) => makeSpec(kind, sharing, aux, h),
  });
  return hp === undefined ? spec : spec.variant({ H: hp.hidden, lr: hp.lr, ...(aux ? { lambda: hp.lambda } : {}) });
}

export function carparelliModels(hp?: CarparelliHyper): ModelSpec[] {
  const out: ModelSpec[] = [];
  for (const kind of KINDS) for (const sharing of [false, true]) for (const aux of [false, true]) out.push(carparelliModel(kind, sharing, aux, hp));
  return out;
}

export const carparelliReport: ReportDescriptor = {
  id: REPORT,
  summary: '{shallow, mlp, conv1, conv2} branches x weight sharing x a lambda-weighted digit loss, grid-searched H, lr and lambda',
  models: () => carparelliModels(),
  protocol: [
    `hyperparameters: the report's best configuration for every model (H ${CARPARELLI_DEFAULT.hidden}, lr ${CARPARELLI_DEFAULT.lr}, lambda ${CARPARELLI_DEFAULT.lambda}); the report grid-searched them per model: pairbench grid runs that search`,
  ],
  defaults: { H: CARPARELLI_DEFAULT.hidden, lr: CARPARELLI_DEFAULT.lr, lambda: CARPARELLI_DEFAULT.lambda },
  publishedNote: 'mean and sd of the final test accuracy over 30 repetitions, each model with its own grid-searched H, lr and lambda (the report\'s table 1)',
  grid: {
    axes: [
      { key: 'H', tag: 'hidden', flag: 'hidden', values: [50, 100, 200, 300], integer: true, about: 'hidden units H', name: 'hidden units H' },
      { key: 'lr', tag: 'lr', flag: 'lrs', values: [1e-5, 1e-3, 1e-1], integer: false, about: 'learning rates', name: 'learning rate', below: 10 },
      { key: 'lambda', tag: 'lambda', flag: 'lambdas', values: [0.25, 0.5, 0.75, 1], integer: false, about: 'aux loss weights (aux models only)', name: 'aux loss weight lambda' },
    ],
    k: 3,
    rounds: 30,
    validationFraction: 0.3,
    ours: ['3 seeds per combination (the report does not say)', 'selection on the mean final-epoch validation accuracy'],
  },
};
