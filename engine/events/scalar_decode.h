// decodeScalarEvent(): the hot case of event files decoded straight from the wire format,
// without protobuf message objects (docs/events.md, "Reading fast"). A training log is mostly
// scalar events (Loom's writer, TF1's tf.summary.scalar, PyTorch's SummaryWriter and
// tensorboardX all write Summary.Value.simple_value); parsing each through tensorboard::Event
// allocates the message, its summary, every value and every tag. This walk allocates nothing
// once warm: the tags are views into the payload.
//
// It accepts only what it can decode exactly as decodeEvent() would (the test
// events_fast_path_test compares both on real files); anything else (a file_version record,
// metadata, a tensor, a histogram, an unknown field, a tag that is not ASCII, a NaN wall time,
// malformed bytes) returns false and the caller takes the full parse, which also reports
// corruption.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace loom::events {

/// One Event record holding only scalars, as views into its payload.
struct ScalarEvent {
  struct Value {
    std::string_view tag;  ///< Value.tag, or Value.node_name when the tag is empty
    float value = 0;       ///< Value.simple_value
  };
  double wallTime = 0;
  std::int64_t step = 0;
  std::vector<Value> values;  ///< in record order; reused between calls
};

/// True when `payload` is a tensorboard.Event of wall_time, step and a summary whose values
/// (at least one) each hold a tag or node_name and a simple_value, and nothing else; `out`
/// then holds them (its tags point into `payload`). False otherwise (`out` unspecified).
bool decodeScalarEvent(std::string_view payload, ScalarEvent* out);

}  // namespace loom::events
