// a siamese net of your own from the zoo's blocks, trained with lenet-transfer's recipe (the README shows this file)
import { models, nn, trainRun } from '../src/index.js';

const wide = models.defineModel({
  id: 'mine/wide-siamese-aux',
  description: 'shared conv branch 1->64->64, digit head, 0.5-weighted digit loss',
  recipe: { ...models.getModel('lenet-transfer/weight-sharing').recipe, epochs: 10,
    auxLoss: { weight: { kind: 'constant', value: 0.5 }, onSigmoid: false } },
  build: (ctx) => new models.PairNet({
    branch: new models.Stack({
      ...models.convLayers(1, [{ out: 64, k: 3, pool: true }, { out: 64, k: 3, pool: true }], ctx),
      ...models.fcLayers(256, [128], ctx),
    }),
    head: models.mlpHead(256, [64], 2, ctx),
    digitHead: new nn.Linear(128, 10, ctx.init),
  }),
});

export function runExample(epochs = wide.recipe.epochs, seed = 1) {
  return trainRun({ model: wide, seed, epochs });
}

export { wide };
