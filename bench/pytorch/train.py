# the PyTorch side of `npm run bench -- --vs-pytorch`: the same models, data, batch and epochs, one thread.
# argv: data_dir n epochs batch models(comma-separated); prints one JSON line
import json, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
data_dir, n, epochs, batch, names = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(',')
x = torch.from_numpy(np.fromfile(f'{data_dir}/input.f32', dtype=np.float32).reshape(n, 2, 14, 14))
t = torch.from_numpy(np.fromfile(f'{data_dir}/target.f32', dtype=np.float32)).long()
c = torch.from_numpy(np.fromfile(f'{data_dir}/classes.i32', dtype=np.int32).reshape(n, 2)).long()

class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.branch = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                                    nn.Flatten(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        self.head = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
    def forward(self, x):
        return self.head(torch.cat([self.branch(x[:, 0:1]), self.branch(x[:, 1:2])], 1)), None

class Conv2SharingAux(nn.Module):
    def __init__(self, h=100):
        super().__init__()
        self.branch = nn.Sequential(nn.Conv2d(1, 16, 5), nn.ReLU(), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                                    nn.MaxPool2d(2), nn.Conv2d(64, 128, 2), nn.ReLU(), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(1024, h), nn.ReLU(), nn.Linear(h, 2))
        self.aux = nn.Linear(512, 10)
    def forward(self, x):
        f1, f2 = self.branch(x[:, 0:1]), self.branch(x[:, 1:2])
        return self.head(torch.cat([f1, f2], 1)), (self.aux(f1), self.aux(f2))

class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(392, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 2))
    def forward(self, x):
        return self.net(x), None

MODELS = {'siamese': Siamese, 'conv2-sharing-aux': Conv2SharingAux, 'mlp': Mlp}

def train(model, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    for _ in range(epochs):
        for idx in torch.randperm(n, generator=g).split(batch):
            out, aux = model(x[idx])
            loss = F.cross_entropy(out, t[idx])
            if aux is not None:
                loss = loss + 0.5 * (F.cross_entropy(aux[0], c[idx, 0]) + F.cross_entropy(aux[1], c[idx, 1]))
            opt.zero_grad()
            loss.backward()
            opt.step()

seconds = {}
for name in names:
    torch.manual_seed(0)
    m = MODELS[name]()
    train(m, 1)  # warm-up
    t0 = time.perf_counter()
    train(m, epochs)
    seconds[name] = (time.perf_counter() - t0) / epochs

a = torch.randn(2048, 2048)
b = torch.randn(2048, 2048)
torch.mm(a, b)
t0 = time.perf_counter()
for _ in range(3):
    torch.mm(a, b)
mm = 3 * 2 * 2048 ** 3 / (time.perf_counter() - t0) / 1e9
blas = 'unknown'
try:
    cfg = torch.__config__.show()
    blas = next((l.strip() for l in cfg.splitlines() if 'BLAS' in l), 'unknown')
except Exception:
    pass
try:
    import os, re
    maps = open(f'/proc/{os.getpid()}/maps').read()
    libs = sorted(set(re.findall(r'/\S*(?:openblas|blas|mkl)\S*\.so[\.\d]*', maps)))
    if libs:
        blas = ', '.join(os.path.realpath(l) for l in libs)
except Exception:
    pass
print(json.dumps({'blas': blas, 'mmGflops': mm, 'threads': torch.get_num_threads(), 'seconds': seconds, 'torch': torch.__version__}))
