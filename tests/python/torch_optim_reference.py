#!/usr/bin/python3
"""Reference values from PyTorch for tests/engine/optim/optim_test.cpp.

Usage: torch_optim_reference.py DIR

DIR/manifest.json lists the cases the C++ test wrote; binary inputs are little-endian
float32 files next to it. For each case this script writes what torch computes:
  optim:    <name>.out.bin    float32, the parameters after every step, concatenated
  clip:     <name>.out.bin    float32 clipped gradients; <name>.norm.txt the total norm
  schedule: <name>.out.bin    float64 learning rate used by every update
"""
import os
import sys

import torch_exchange as exchange

np = exchange.np
torch = exchange.require("torch")


def run_optim(case, d):
    dims = [p["dims"] for p in case["params"]]
    sizes = [int(np.prod(x)) for x in dims]
    total = sum(sizes)
    steps = case["steps"]
    data = np.fromfile(os.path.join(d, case["name"] + ".in.bin"), dtype="<f4")
    assert data.size == total * (1 + steps), (case["name"], data.size, total, steps)

    def split(flat):
        out, o = [], 0
        for n, s in zip(sizes, dims):
            out.append(torch.from_numpy(flat[o:o + n].copy()).reshape(s))
            o += n
        return out

    params = [torch.nn.Parameter(t) for t in split(data[:total])]
    kind = case["type"]
    lr0 = case["lrs"][0]
    if kind == "sgd":
        opt = torch.optim.SGD(params, lr=lr0, momentum=case["momentum"],
                              nesterov=case["nesterov"], weight_decay=case["weight_decay"])
    elif kind == "adam":
        opt = torch.optim.Adam(params, lr=lr0, betas=(case["beta1"], case["beta2"]),
                               eps=case["epsilon"], weight_decay=case["weight_decay"])
    elif kind == "adamw":
        opt = torch.optim.AdamW(params, lr=lr0, betas=(case["beta1"], case["beta2"]),
                                eps=case["epsilon"], weight_decay=case["weight_decay"])
    elif kind == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=lr0, alpha=case["rho"], eps=case["epsilon"],
                                  weight_decay=case["weight_decay"], momentum=case["momentum"])
    else:
        raise ValueError(kind)
    out = []
    for s in range(steps):
        grads = split(data[total * (1 + s):total * (2 + s)])
        for p, g in zip(params, grads):
            p.grad = g
        for group in opt.param_groups:
            group["lr"] = case["lrs"][s]
        opt.step()
        out.extend(p.detach().numpy().reshape(-1).copy() for p in params)
    np.concatenate(out).astype("<f4").tofile(os.path.join(d, case["name"] + ".out.bin"))


def run_clip(case, d):
    dims = case["dims"]
    data = np.fromfile(os.path.join(d, case["name"] + ".in.bin"), dtype="<f4")
    params, o = [], 0
    for s in dims:
        n = int(np.prod(s))
        p = torch.nn.Parameter(torch.zeros(s))
        p.grad = torch.from_numpy(data[o:o + n].copy()).reshape(s)
        params.append(p)
        o += n
    norm = torch.nn.utils.clip_grad_norm_(params, case["max_norm"])
    np.concatenate([p.grad.numpy().reshape(-1) for p in params]).astype("<f4").tofile(
        os.path.join(d, case["name"] + ".out.bin"))
    with open(os.path.join(d, case["name"] + ".norm.txt"), "w") as f:
        f.write(repr(float(norm)))


def lr_sequence(make_scheduler, base, count):
    """Learning rates a torch scheduler hands out, one per scheduler.step() interval."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base)
    sched = make_scheduler(opt)
    out = []
    for _ in range(count):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def run_schedule(case, d):
    kind, base = case["kind"], case["base_lr"]
    total, per_epoch, warm = case["total_steps"], case["steps_per_epoch"], case["warmup"]
    sched = torch.optim.lr_scheduler
    if kind == "constant":
        values = [base] * total
    elif kind == "step":
        epochs = (total + per_epoch - 1) // per_epoch
        per = lr_sequence(lambda o: sched.StepLR(o, step_size=case["step_epochs"],
                                                 gamma=case["gamma"]), base, epochs)
        values = [per[s // per_epoch] for s in range(total)]
    elif kind == "cosine":
        span = total - warm
        cos = lr_sequence(lambda o: sched.CosineAnnealingLR(o, T_max=span,
                                                            eta_min=case["min_lr"]), base, span)
        values = [base if s < warm else cos[s - warm] for s in range(total)]
    else:
        raise ValueError(kind)
    if warm > 1:
        factor = lr_sequence(lambda o: sched.LinearLR(o, start_factor=1.0 / warm, end_factor=1.0,
                                                      total_iters=warm - 1), 1.0, warm)
        values = [v * factor[s] if s < warm else v for s, v in enumerate(values)]
    np.asarray(values, dtype="<f8").tofile(os.path.join(d, case["name"] + ".out.bin"))


def main():
    d = sys.argv[1]
    manifest = exchange.manifest(d)
    torch.set_num_threads(1)
    for case in manifest.get("optim", []):
        run_optim(case, d)
    for case in manifest.get("clip", []):
        run_clip(case, d)
    for case in manifest.get("schedule", []):
        run_schedule(case, d)


if __name__ == "__main__":
    main()
