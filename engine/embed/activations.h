// Activations of one node of a trained model over a data set split, for projections.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/data/dataset.h"
#include "engine/embed/progress.h"
#include "engine/graph/model.h"

namespace loom::embed {

struct ExtractOptions {
  /// The node whose output is taken; empty: defaultEmbeddingNode().
  std::string node;
  Split split = Split::Test;
  std::int64_t batchSize = 256;
  /// The first `limit` samples of the split (0: all).
  std::int64_t limit = 0;
  /// Keep the split's images (U8 [N, C, H, W]) for a sprite.
  bool withImages = true;
};

struct Activations {
  std::string node;                     ///< the node actually tapped
  Tensor values;                        ///< F32 [N, D]: the node's output, flattened per sample
  std::vector<std::int64_t> labels;     ///< class index per sample
  std::vector<std::string> classNames;  ///< index -> name
  Tensor images;                        ///< U8/F32 [N, C, H, W] images (empty: not kept / rows)
};

/// The node an embedding is taken from by default: the second-to-last Dense in topological
/// order (the last one computes the logits) or, when an activation op (category
/// "Activation", not Softmax) is its only consumer, that op's output: the features the last
/// layer sees. A model with one Dense uses the node feeding it. InvalidArgument names the
/// model when it has no Dense.
Expected<std::string> defaultEmbeddingNode(const Model& model);

/// Runs `model` (its parameters: load a checkpoint first) in inference mode over `split` of
/// its data set, batched and normalised as `loom eval` does, and collects the output of
/// options.node through the plan's tensor tap. Uses the model's thread setting. NotFound for
/// an unknown node (the message lists the model's nodes); Cancelled when control.cancel is
/// set; progress stage "extract" per batch.
Expected<Activations> extractActivations(const Model& model, const ExtractOptions& options,
                                         const EmbedControl& control = {});

}  // namespace loom::embed
