// BatchNorm: per-channel normalisation of [N, C] or [N, C, H, W] (PyTorch BatchNorm1d/2d).
//
// Params, in this order: gamma [C] (ones), beta [C] (zeros), running_mean [C] (zeros,
// buffer), running_var [C] (ones, buffer). Buffers are not trainable and get no gradient.
//
// Training: normalises with the batch mean and the biased batch variance, and in forward
// updates running = (1 - momentum) * running + momentum * batch, using the *unbiased*
// variance for running_var (PyTorch's convention; ONNX momentum = 1 - this momentum).
// Needs more than one value per channel (N * H * W > 1), as PyTorch.
// Inference: normalises with the running statistics.
//
// args.saved (when given) keeps [mean, 1 / sqrt(var + eps)] of the batch for backward;
// without it, backward recomputes them from src.
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeBatchNormOp();

}  // namespace loom
