// Graph surgery for transfer learning (docs/transfer-learning.md): load a trained network, cut
// it after a feature node, append a new classification head, fine-tune with the features
// frozen (training.freeze_until, engine/train/freeze.h):
//
//   Model edited = editForTransfer(model, {.cutAfter = "pool2", .headClasses = 10})->model;
//
// The functions here only restructure; they never compute a tensor. Node names, attributes,
// canvas positions and the trained parameters of every kept node are carried over unchanged;
// the new head's parameters are absent, so training initialises them from the op's schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/graph.h"
#include "engine/graph/model.h"

namespace loom {

/// `node` and every node it depends on (its inputs, their inputs, ... up to the Input nodes),
/// in the graph's file order. Empty when no node has that name.
std::vector<std::string> ancestorsOf(const Graph& graph, const std::string& node);

/// Up to `limit` node names closest to `name` (edit distance, case-insensitive; a name that
/// contains `name` or is contained in it counts as close), nearest first. With none close,
/// the graph's first `limit` names.
std::vector<std::string> nearNodeNames(const Graph& graph, const std::string& name,
                                       std::size_t limit = 5);

/// OK when the graph has a node named `name`; otherwise InvalidArgument
///   <what> "pool9" names no node of the model; near names: pool1, pool2, pool_a
/// `what` says where the name came from ("--cut-after", "training.freeze_until").
Status checkNodeName(const Graph& graph, const std::string& name, const std::string& what);

/// The graph cut after `node`: `node` and its ancestors are kept (in file order, attributes and
/// positions unchanged), everything else is removed, and `node` becomes the output.
/// InvalidArgument when `node` does not exist (checkNodeName) or already is the output (the
/// cut would remove nothing).
Expected<Graph> cutAfter(const Graph& graph, const std::string& node);

/// What appendHead() adds.
struct HeadOptions {
  std::int64_t classes = 0;   ///< units of the new Dense layer; at least 1
  std::string name = "head";  ///< base name of the Dense node (made unique; the Flatten is
                              ///< "<name>_flatten")
};

/// Appends a classification head after the graph's output: a Flatten when the output has more
/// than one dimension per sample, then Dense(classes) with a bias; the Dense becomes the output
/// (logits: the training loss, e.g. softmax cross-entropy, is a training setting, as in the
/// examples). The output's shape is found by analysing the graph at batch 1, so the graph must
/// be valid. InvalidArgument for classes < 1; the analysis' error (naming the node) otherwise.
Expected<Graph> appendHead(const Graph& graph, const HeadOptions& options);

/// One transfer-learning edit of a model, as `loom edit` and the studio request it.
struct TransferEdit {
  std::string cutAfter;                     ///< empty: keep the whole graph
  std::optional<std::int64_t> headClasses;  ///< unset: no new head; given: at least 1
  std::string freezeUntil;                  ///< empty: leave training.freeze_until as it is
};

/// Applies `edit` to `model`: cutAfter(), then appendHead(), then training.freeze_until (which
/// must name a node of the edited graph). Parameters of the nodes kept are carried over
/// byte for byte; those of removed nodes are dropped. A file's freeze_until that names a node
/// the cut removed is cleared (with a note). Errors as the steps above, and
/// InvalidArgument when the edit asks for nothing.
struct TransferResult {
  Model model;
  std::vector<std::string> notes;  ///< one line per change, for the person who asked
};
Expected<TransferResult> editForTransfer(const Model& model, const TransferEdit& edit);

}  // namespace loom
