#!/usr/bin/python3
"""PyTorch (float64) reference for engine/explain: input gradients, activation gradients,
Grad-CAM through forward/backward hooks, and Integrated Gradients, on the same weights.

Run by tests/engine/explain/explain_gradients_test.cpp through support/torch_exchange.h:

    torch_explain_reference.py DIR

DIR/manifest.json:
  {"model_text": "...", "params": [{"name", "dims"}], "x": tensor entry [N, C, H, W],
   "targets": [N ints], "nodes": [node names for activation gradients and Grad-CAM],
   "ig": [{"steps": m, "quadrature": "riemann" | "gauss_legendre", "baseline": tensor entry}]}
Parameters are init/<name>.f32. Writes (float64, little-endian):
  grad_logit.f64, grad_prob.f64          d z_c / d x and d softmax(z)_c / d x   [N, C, H, W]
  act_<node>.f64, dact_<node>.f64        the node's output and d z_c / d output
  gradcam_<node>.f64, gradcam_raw_<node>.f64   upsampled [N, 1, H, W] and raw [N, 1, h, w]
  ig_<i>.f64                              attributions of the i-th IG configuration
  ig_<i>_ends.f64                         [f(x), f(x')] per sample
The quadratures are computed here independently: Riemann midpoints (k + 1/2) / m with
weights 1/m, and numpy's leggauss nodes mapped from [-1, 1] to [0, 1].
"""
import os
import sys

import loom_to_torch as l2t
import torch_exchange as exchange

np = exchange.np
torch = l2t.torch
F = l2t.F


def quadrature(kind, m):
    if kind == "riemann":
        return (np.arange(m) + 0.5) / m, np.full(m, 1.0 / m)
    if kind == "gauss_legendre":
        t, w = np.polynomial.legendre.leggauss(m)
        return (t + 1) / 2, w / 2
    raise ValueError(f"quadrature {kind!r}")


def main(directory):
    manifest = exchange.manifest(directory)
    model = l2t.parse_loom(manifest["model_text"], "manifest")
    net = l2t.LoomNet(model).double()
    net.eval()
    net.load_loom_parameters({p["name"]: exchange.load_raw(directory, f"init/{p['name']}.f32",
                                                           "<f4", p["dims"])
                              for p in manifest["params"]})
    x0 = torch.from_numpy(exchange.load(directory, manifest["x"]).astype(np.float64))
    targets = torch.tensor(manifest["targets"], dtype=torch.int64)
    rows = torch.arange(x0.shape[0])

    def save(name, t):
        exchange.save(directory, name, t, "<f8")

    # Input gradients of the logit and of the probability.
    for kind in ("logit", "prob"):
        x = x0.clone().requires_grad_(True)
        z = net(x)
        score = z if kind == "logit" else torch.softmax(z, dim=1)
        score[rows, targets].sum().backward()
        save(f"grad_{kind}.f64", x.grad)

    # Activations, their gradients and Grad-CAM, through hooks on each node's layer.
    for node in manifest["nodes"]:
        captured = {}
        layer = net.layers[net._keys[node]]

        def forward_hook(module, inputs, output):
            captured["act"] = output
            output.register_hook(lambda g: captured.__setitem__("grad", g))

        handle = layer.register_forward_hook(forward_hook)
        z = net(x0.clone())
        z[rows, targets].sum().backward()
        handle.remove()
        act, grad = captured["act"].detach(), captured["grad"].detach()
        save(f"act_{node}.f64", act)
        save(f"dact_{node}.f64", grad)
        alpha = grad.mean(dim=(2, 3), keepdim=True)
        cam = torch.relu((alpha * act).sum(dim=1, keepdim=True))
        save(f"gradcam_raw_{node}.f64", cam)
        up = F.interpolate(cam, size=tuple(x0.shape[2:]), mode="bilinear", align_corners=False)
        save(f"gradcam_{node}.f64", up)

    # Integrated Gradients.
    for i, cfg in enumerate(manifest["ig"]):
        base = torch.from_numpy(exchange.load(directory, cfg["baseline"]).astype(np.float64))
        alphas, weights = quadrature(cfg["quadrature"], cfg["steps"])
        total = torch.zeros_like(x0)
        for a, w in zip(alphas, weights):
            x = (base + float(a) * (x0 - base)).requires_grad_(True)
            net(x)[rows, targets].sum().backward()
            total += float(w) * x.grad
        save(f"ig_{i}.f64", (x0 - base) * total)
        with torch.no_grad():
            ends = torch.stack([net(x0)[rows, targets], net(base)[rows, targets]], dim=1)
        save(f"ig_{i}_ends.f64", ends)


if __name__ == "__main__":
    main(sys.argv[-1])
