#include "engine/events/event_types.h"

namespace loom::events {

const char* tagKindName(TagKind kind) {
  switch (kind) {
    case TagKind::Scalar:
      return "scalars";
    case TagKind::Histogram:
      return "histograms";
    case TagKind::Image:
      return "images";
    case TagKind::Text:
      return "text";
    case TagKind::HParams:
      return "hparams";
    case TagKind::Other:
      return "other";
  }
  return "other";
}

}  // namespace loom::events
