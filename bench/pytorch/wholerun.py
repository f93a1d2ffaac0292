# the PyTorch side of the whole-run section of `npm run bench -- --vs-pytorch`: each model rebuilt
# from the zoo's exported module tree, trained with its recipe on the same pairs and epochs, with a
# no-grad test evaluation after every epoch, one thread. argv: data_dir ids(comma-separated);
# prints one JSON line: seconds per whole run (model build, training, evaluation), final accuracy.
import json, os, re, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
data_dir, ids = sys.argv[1], sys.argv[2].split(',')
cfg = json.load(open(f'{data_dir}/specs.json'))

def load(name, n):
    x = torch.from_numpy(np.fromfile(f'{data_dir}/{name}-input.f32', dtype=np.float32).reshape(n, 2, 14, 14))
    t = torch.from_numpy(np.fromfile(f'{data_dir}/{name}-target.f32', dtype=np.float32))
    c = torch.from_numpy(np.fromfile(f'{data_dir}/{name}-classes.i32', dtype=np.int32).reshape(n, 2)).long()
    return x, t, c

train_x, train_t, train_c = load('train', cfg['nTrain'])
test_x, test_t, test_c = load('test', cfg['nTest'])

def build(a):
    k = a['kind']
    if k == 'seq': return nn.Sequential(*[build(l) for l in a['layers']])
    if k == 'linear': return nn.Linear(a['in'], a['out'], bias=a['bias'])
    if k == 'conv': return nn.Conv2d(a['in'], a['out'], a['k'], stride=a['stride'], padding=a['pad'], bias=a['bias'])
    if k == 'maxpool': return nn.MaxPool2d(a['k'], a['stride'])
    if k == 'avgpool': return nn.AvgPool2d(a['k'], a['stride'])
    if k == 'bn1': return nn.BatchNorm1d(a['c'], eps=a['eps'], momentum=a['momentum'])
    if k == 'bn2': return nn.BatchNorm2d(a['c'], eps=a['eps'], momentum=a['momentum'])
    if k == 'dropout': return nn.Dropout(a['p'])
    if k == 'relu': return nn.ReLU()
    if k == 'leakyrelu': return nn.LeakyReLU(a['slope'])
    if k == 'sigmoid': return nn.Sigmoid()
    if k == 'tanh': return nn.Tanh()
    if k == 'identity': return nn.Identity()
    if k == 'flatten': return nn.Flatten(a['start'])
    if k == 'whole': return Whole(a)
    if k == 'pair': return Pair(a)
    raise ValueError(f'unknown layer kind {k}')

def flat(t):
    return t if t.dim() == 2 else t.flatten(1)

class Whole(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.net = build(a['net'])
    def forward(self, x):
        return flat(self.net(x)), None, None

class Pair(nn.Module):
    # PairNet.forwardPair: a branch per image (shared unless branch2), heads on the concatenation
    def __init__(self, a):
        super().__init__()
        opt = lambda key: build(a[key]) if isinstance(a.get(key), dict) else None
        self.branch, self.branch2, self.head = build(a['branch']), opt('branch2'), opt('head')
        self.features_are_digits = a.get('digitHead') == 'features'
        self.digit_head, self.digit_head2, self.same_head = opt('digitHead'), opt('digitHead2'), opt('sameHead')
    def forward(self, x):
        f1 = self.branch(x[:, 0:1])
        f2 = (self.branch2 or self.branch)(x[:, 1:2])
        digits = None
        if self.features_are_digits: digits = (flat(f1), flat(f2))
        elif self.digit_head is not None: digits = (flat(self.digit_head(f1)), flat((self.digit_head2 or self.digit_head)(f2)))
        both = torch.cat([f1, f2], 1) if self.head is not None or self.same_head is not None else None
        main = flat(self.head(both)) if self.head is not None else None
        same = flat(self.same_head(both)) if self.same_head is not None else None
        return main, digits, same

def main_loss(kind, out, t):
    if kind == 'ce': return F.cross_entropy(out, t.long())
    if kind == 'bce-logits': return F.binary_cross_entropy_with_logits(out, t.view_as(out))
    if kind == 'ce-on-sigmoid': return F.cross_entropy(torch.sigmoid(out), t.long())
    if kind == 'mse-sigmoid': return F.mse_loss(torch.sigmoid(out), t.view_as(out))
    raise ValueError(f'unknown main loss {kind}')

def predict(main, digits, compare_in_code):
    if compare_in_code or main is None: return (digits[0].argmax(1) <= digits[1].argmax(1)).float()
    return (main[:, 0] > 0).float() if main.shape[1] == 1 else main.argmax(1).float()

def run(spec):
    r, epochs = spec['recipe'], spec['epochs']
    if r['phases']: raise ValueError(f"{spec['id']}: recipes with phases are not mirrored")
    torch.manual_seed(0)
    t0, c0 = time.perf_counter(), time.process_time()
    model = build(spec['arch'])
    o = r['optimizer']
    opt = torch.optim.Adam(model.parameters(), lr=o['lr']) if o['kind'] == 'adam' else torch.optim.SGD(model.parameters(), lr=o['lr'], momentum=o['momentum'])
    g = torch.Generator().manual_seed(1)
    aux, acc = r['auxLoss'], 0.0
    for e in range(epochs):
        model.train()
        correct = 0
        for idx in torch.randperm(len(train_t), generator=g).split(r['batchSize']):
            main, digits, same = model(train_x[idx])
            t = train_t[idx]
            loss = torch.zeros(())
            w_main, w_aux = 1.0, 0.0
            if aux is not None:
                w = aux['weight']
                if w['kind'] == 'constant': w_aux = w['value']
                else: a = (epochs - e) / epochs; w_main, w_aux = 1 - a, a
            if main is not None: loss = loss + w_main * main_loss(r['mainLoss'], main, t)
            if aux is not None and digits is not None:
                act = torch.sigmoid if aux['onSigmoid'] else (lambda v: v)
                loss = loss + w_aux * (F.cross_entropy(act(digits[0]), train_c[idx, 0]) + F.cross_entropy(act(digits[1]), train_c[idx, 1]))
            if r['sameLossWeight'] > 0 and same is not None: loss = loss + r['sameLossWeight'] * main_loss(r['mainLoss'], same, t)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad(): correct += int((predict(main, digits, r['compareInCode']) == t).sum())
        model.eval()
        hits = 0
        with torch.no_grad():
            for s in range(0, len(test_t), 500):
                main, digits, _ = model(test_x[s:s + 500])
                hits += int((predict(main, digits, r['compareInCode']) == test_t[s:s + 500]).sum())
        acc = hits / len(test_t)
    return time.perf_counter() - t0, time.process_time() - c0, acc

specs = {m['id']: m for m in cfg['models']}
seconds, cpu_seconds, accuracy = {}, {}, {}
for i in ids:
    spec = specs[i]
    run({**spec, 'epochs': 1})  # warm-up
    seconds[i], cpu_seconds[i], accuracy[i] = run(spec)

a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
torch.mm(a, b)
t0 = time.perf_counter()
for _ in range(3): torch.mm(a, b)
mm = 3 * 2 * 2048 ** 3 / (time.perf_counter() - t0) / 1e9
blas = 'unknown'
try:
    maps = open(f'/proc/{os.getpid()}/maps').read()
    libs = sorted(set(re.findall(r'/\S*(?:openblas|blas|mkl)\S*\.so[\.\d]*', maps)))
    if libs: blas = ', '.join(os.path.realpath(l) for l in libs)
except Exception:
    pass
print(json.dumps({'blas': blas, 'mmGflops': mm, 'torch': torch.__version__, 'seconds': seconds, 'cpuSeconds': cpu_seconds, 'accuracy': accuracy}))
