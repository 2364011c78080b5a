#!/usr/bin/env python3
"""PyTorch peer of the tfjs cascade (src/model/nets/*.ts, src/model/sampler.ts, src/model/losses.ts): the same
layers, widths, kernel sizes, strides, batchnorm, nearest upsampling, bilinear sampler (F.grid_sample,
align_corners=False) and 2-stack hourglass, for the `default` and `paper` presets. It times what bench/run.ts
times on tfjs and prints one JSON object on stdout:

  forward batch 1 / batch 8 (inference mode, no grad) and one joint training step at batch 8 (Adam, all
  losses, global-norm clip 5), medians; trainable and total parameter counts (to check against tfjs).

Run by bench/parts/torch.ts with OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(2) (the engine notes: without
OPENBLAS_NUM_THREADS=1 batch-1 timings spike). Debian `python3-torch` (1.13, oneDNN).

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch/cascade.py --presets default,paper --reps 10

Differences that do not change the amount of work: PyTorch pads 'same' convolutions symmetrically (TF pads the
extra row at the bottom/right for stride 2); the layout is NCHW (PyTorch's default CPU layout) unless
--channels-last.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    # src/model/config.ts PRESETS (bench/parts/torch.ts passes the current ones with --config-json; these are fallbacks)
    'paper': dict(blocks=(3, 4, 6, 3), base_width=64, fpn_width=256, stacks=2, width=256, depth=4, coord=False),
    'default': dict(blocks=(3, 4, 6, 3), base_width=8, fpn_width=32, stacks=2, width=32, depth=4, coord=True),
    'tiny': dict(blocks=(1, 1, 1, 1), base_width=8, fpn_width=16, stacks=1, width=16, depth=2, coord=True),
}
EXPANSION = 4
NUM_KEYPOINTS = 4


def conv(cin, cout, k, stride=1, bias=True):
    """tf.layers.conv2d(padding 'same'): same output size; PyTorch pads symmetrically."""
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=bias)


def bn(c):
    # tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }): Keras momentum 0.9 = PyTorch momentum 0.1
    return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)


class ConvBnRelu(nn.Sequential):
    """layers.ts convBnRelu: conv (no bias) → BN → ReLU."""

    def __init__(self, cin, cout, k, stride=1):
        super().__init__(conv(cin, cout, k, stride, bias=False), bn(cout), nn.ReLU(inplace=True))


class Bottleneck(nn.Module):
    """resnet.ts bottleneck: 1×1 (w) → 3×3 (w, stride) → 1×1 (4w) + BN, identity or 1×1/stride projection + BN."""

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * EXPANSION
        self.a = ConvBnRelu(cin, width, 1)
        self.b = ConvBnRelu(width, width, 3, stride)
        self.c = nn.Sequential(conv(width, cout, 1, bias=False), bn(cout))
        self.proj = nn.Sequential(conv(cin, cout, 1, stride, bias=False), bn(cout)) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.c(self.b(self.a(x)))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class Stn(nn.Module):
    """stn.ts: ResNet trunk → FPN top-down to 32×32 → 3×3 heads (1 mask logit + 4 maps) → flatten → 1/√n → FC → θ."""

    def __init__(self, blocks, base_width, fpn_width):
        super().__init__()
        w = base_width
        self.conv1 = ConvBnRelu(1, w, 7, 2)
        self.pool = nn.MaxPool2d(3, 2, padding=1)
        stages, cin = [], w
        for s in range(4):
            width = base_width * 2 ** s
            layers = []
            for b in range(blocks[s]):
                layers.append(Bottleneck(cin, width, 2 if s > 0 and b == 0 else 1))
                cin = width * EXPANSION
            stages.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stages)
        chans = [base_width * 2 ** s * EXPANSION for s in range(4)]
        self.lat5 = conv(chans[3], fpn_width, 1)
        self.lats = nn.ModuleList([conv(chans[i], fpn_width, 1) for i in (2, 1, 0)])
        self.smooth = nn.ModuleList([conv(fpn_width, fpn_width, 3) for _ in range(3)])
        self.head_lrp = conv(fpn_width, 1, 3)
        self.head_tpp = conv(fpn_width, 4, 3)
        self.fc = nn.Linear(32 * 32 * 4, 4)
        nn.init.zeros_(self.fc.weight)
        with torch.no_grad():
            self.fc.bias.copy_(torch.tensor([0.0, 0.0, 0.0, 1.0]))

    def forward(self, x):
        x = self.pool(self.conv1(x))
        feats = []
        for st in self.stages:
            x = st(x)
            feats.append(x)
        p = self.lat5(feats[3])
        for lat, sm, c in zip(self.lats, self.smooth, (feats[2], feats[1], feats[0])):
            p = sm(F.interpolate(p, scale_factor=2, mode='nearest') + lat(c))
        mask = self.head_lrp(p)
        t = self.head_tpp(p).flatten(1)
        theta = self.fc(t * (1.0 / math.sqrt(t.shape[1])))
        return mask, theta


class Residual(nn.Module):
    """hourglass.ts residual: BN-ReLU-1×1 (out/2) → BN-ReLU-3×3 (out/2) → BN-ReLU-1×1 (out), + input or 1×1 skip."""

    def __init__(self, cin, out):
        super().__init__()
        mid = max(1, out >> 1)
        self.bn_a, self.a = bn(cin), conv(cin, mid, 1)
        self.bn_b, self.b = bn(mid), conv(mid, mid, 3)
        self.bn_c, self.c = bn(mid), conv(mid, out, 1)
        self.skip = conv(cin, out, 1) if cin != out else None

    def forward(self, x):
        y = self.a(F.relu(self.bn_a(x)))
        y = self.b(F.relu(self.bn_b(y)))
        y = self.c(F.relu(self.bn_c(y)))
        return y + (self.skip(x) if self.skip is not None else x)


class Hourglass(nn.Module):
    def __init__(self, n, f):
        super().__init__()
        self.up1 = Residual(f, f)
        self.low1 = Residual(f, f)
        self.low2 = Hourglass(n - 1, f) if n > 1 else Residual(f, f)
        self.low3 = Residual(f, f)

    def forward(self, x):
        up1 = self.up1(x)
        low = self.low3(self.low2(self.low1(F.max_pool2d(x, 2, 2))))
        return up1 + F.interpolate(low, scale_factor=2, mode='nearest')


class Shn(nn.Module):
    """shn.ts: 7×7/2 stem → residuals to the width → stacks of hourglass → residual → 1×1 conv-BN-ReLU → 1×1 heads."""

    def __init__(self, stacks, width, depth):
        super().__init__()
        f = width
        self.stacks = stacks
        self.stem = ConvBnRelu(1, max(8, f >> 2), 7, 2)
        self.r1 = Residual(max(8, f >> 2), f >> 1)
        self.r2 = Residual(f >> 1, f)
        self.hg = nn.ModuleList([Hourglass(depth, f) for _ in range(stacks)])
        self.res = nn.ModuleList([Residual(f, f) for _ in range(stacks)])
        self.feat = nn.ModuleList([ConvBnRelu(f, f, 1) for _ in range(stacks)])
        self.pred = nn.ModuleList([conv(f, NUM_KEYPOINTS, 1) for _ in range(stacks)])
        self.merge_pred = nn.ModuleList([conv(NUM_KEYPOINTS, f, 1) for _ in range(stacks - 1)])
        self.merge_feat = nn.ModuleList([conv(f, f, 1) for _ in range(stacks - 1)])
        for p in self.pred:
            nn.init.zeros_(p.weight)
            nn.init.zeros_(p.bias)

    def forward(self, x):
        x = self.r2(self.r1(self.stem(x)))
        outs = []
        for s in range(self.stacks):
            feat = self.feat[s](self.res[s](self.hg[s](x)))
            pred = self.pred[s](feat)
            outs.append(pred)
            if s < self.stacks - 1:
                x = x + self.merge_pred[s](pred) + self.merge_feat[s](feat)
        return outs


def theta_to_matrices(theta):
    """sampler.ts thetaToMatrices: (tx, ty, α, s) → [[s cos α, −s sin α, tx], [s sin α, s cos α, ty]]."""
    tx, ty, a, s = theta.unbind(1)
    c, sn = s * torch.cos(a), s * torch.sin(a)
    return torch.stack([torch.stack([c, -sn, tx], 1), torch.stack([sn, c, ty], 1)], 1)  # [B, 2, 3]


class Cascade(nn.Module):
    def __init__(self, preset):
        super().__init__()
        p = PRESETS[preset]
        self.stn = Stn(p['blocks'], p['base_width'], p['fpn_width'])
        self.shn = Shn(p['stacks'], p['width'], p['depth'])

    def forward(self, x):
        mask, theta = self.stn(x)
        m = theta_to_matrices(theta)
        grid = F.affine_grid(m, [x.shape[0], 1, 128, 128], align_corners=False)
        canonical = F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
        return mask, theta, m, self.shn(canonical)


def heatmap_targets(kp_crop, m, size=64, sigma=1.0):
    """targets.ts (no gradient): crop keypoints → canonical heatmap pixels through Θ⁻¹ → Gaussians [B, 4, 64, 64],
    and the keypoints themselves [B, 4, 2] (heatmap pixels, for the coord term)."""
    with torch.no_grad():
        a, b, c = m[:, 0, 0:1], m[:, 0, 1:2], m[:, 0, 2:3]
        d, e, f = m[:, 1, 0:1], m[:, 1, 1:2], m[:, 1, 2:3]
        det = a * e - b * d
        x, y = kp_crop[:, :, 0] - c, kp_crop[:, :, 1] - f
        xc, yc = (e * x - b * y) / det, (a * y - d * x) / det
        px, py = ((xc + 1) * size - 1) / 2, ((yc + 1) * size - 1) / 2
        coords = torch.arange(size, dtype=torch.float32)
        dx = coords.view(1, 1, 1, size) - px.view(-1, 4, 1, 1)
        dy = coords.view(1, 1, size, 1) - py.view(-1, 4, 1, 1)
        return torch.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)), torch.stack([px, py], -1)


def soft_argmax(h, beta=20.0):
    """soft-argmax.ts (β = 20): softmax over the 64×64 map, expected pixel coordinates [B, 4, 2]."""
    B, K, H, W = h.shape
    p = torch.softmax(h.reshape(B, K, H * W) * beta, -1).reshape(B, K, H, W)
    xs = torch.arange(W, dtype=h.dtype)
    ys = torch.arange(H, dtype=h.dtype)
    return torch.stack([(p.sum(2) * xs).sum(-1), (p.sum(3) * ys).sum(-1)], -1)


LN4_SQ = math.log(4) ** 2


def joint_loss(out, mask_t, theta_t, kp_crop, coord_term):
    """losses.ts jointLoss: L_LRP + L_TPP + L_HM (mean over stacks) + L_cos (+ L_coord where the preset has it), equal weights."""
    mask, theta, m, hms = out
    lrp = (torch.sigmoid(mask) - mask_t).square().mean()
    tx, ty, a, s = theta.unbind(1)
    tx0, ty0, a0, s0 = theta_t.unbind(1)
    e_s = (0.5 * torch.log(s * s + 1e-6) - torch.log(s0.abs() + 1e-6)).square() / LN4_SQ
    tpp = torch.stack([((tx - tx0) / 2).square(), ((ty - ty0) / 2).square(), torch.sin(a - a0).square(), e_s], 1).mean()
    target, kp_t = heatmap_targets(kp_crop, m.detach())
    energy = target.square().sum().clamp_min(1e-6)
    hm = sum((h - target).square().sum() / energy for h in hms) / len(hms)
    kp = soft_argmax(hms[-1])
    l, sh = kp[:, 1] - kp[:, 0], kp[:, 3] - kp[:, 2]
    cos = ((l * sh).sum(1).square() / ((l.square().sum(1) + 1) * (sh.square().sum(1) + 1))).mean()
    total = lrp + tpp + hm + cos
    if coord_term:
        # losses.ts coordLoss: mean endpoint distance of every stack's soft-argmax keypoints, / (stacks · 4 px)
        total = total + sum(((soft_argmax(h) - kp_t).square().sum(-1) + 1e-6).sqrt().mean() for h in hms) / (len(hms) * 4)
    return total


def count_params(model):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith('num_batches_tracked'))
    return trainable, trainable + buffers


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts), ts


def bench_preset(preset, reps, train_reps, channels_last):
    torch.manual_seed(0)
    model = Cascade(preset)
    coord_term = PRESETS[preset].get('coord', False)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    trainable, total = count_params(model)
    stn_tr, stn_tot = count_params(model.stn)
    shn_tr, shn_tot = count_params(model.shn)
    res = {
        'preset': preset, 'architecture': PRESETS[preset],
        'params': {'trainable': trainable, 'total': total, 'stnTrainable': stn_tr, 'stnTotal': stn_tot, 'shnTrainable': shn_tr, 'shnTotal': shn_tot},
    }
    model.eval()
    for b in (1, 8):
        x = torch.rand(b, 1, 128, 128).contiguous(memory_format=fmt)

        def fwd():
            with torch.inference_mode():
                model(x)
        med, ts = median_ms(fwd, 3, reps)
        res[f'forwardBatch{b}Ms'] = med
        res[f'forwardBatch{b}RunsMs'] = [round(t, 2) for t in ts]
    # Training step, batch 8 (joint phase: every loss, every weight).
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(8, 1, 128, 128, generator=g).contiguous(memory_format=fmt)
    mask_t = (torch.rand(8, 1, 32, 32, generator=g) > 0.7).float()
    theta_t = torch.tensor([[0.05, -0.02, 0.3, 0.5]] * 8)
    kp = torch.tensor([[[-0.2, 0.0], [0.2, 0.05], [0.0, -0.1], [0.02, 0.1]]] * 8)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = joint_loss(model(x), mask_t, theta_t, kp, coord_term)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        return float(loss)
    med, ts = median_ms(step, 2, train_reps)
    res['trainStepBatch8Ms'] = med
    res['trainStepBatch8RunsMs'] = [round(t, 1) for t in ts]
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--presets', default='default,paper')
    ap.add_argument('--reps', type=int, default=10)
    ap.add_argument('--train-reps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--channels-last', action='store_true')
    ap.add_argument('--config-json', help='{preset: {blocks, base_width, fpn_width, stacks, width, depth, coord}} from config.ts')
    a = ap.parse_args()
    if a.config_json:
        for name, cfg in json.loads(a.config_json).items():
            PRESETS[name] = dict(cfg, blocks=tuple(cfg['blocks']))
    torch.set_num_threads(a.threads)
    out = {
        'torch': torch.__version__, 'threads': torch.get_num_threads(), 'mkldnn': torch.backends.mkldnn.is_available(),
        'openblasThreads': os.environ.get('OPENBLAS_NUM_THREADS'), 'layout': 'channels_last' if a.channels_last else 'NCHW',
        'presets': {},
    }
    for p in a.presets.split(','):
        reps = a.reps if p != 'paper' else max(3, a.reps // 2)
        train_reps = a.train_reps if p != 'paper' else max(2, a.train_reps // 2)
        out['presets'][p] = bench_preset(p, reps, train_reps, a.channels_last)
        print(f'# {p}: {json.dumps(out["presets"][p]["params"])}', file=sys.stderr)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
