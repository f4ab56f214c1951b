// EmbeddingSet: a projector directory as the Embeddings mode shows it — the points' original
// vectors, their layouts (one track per projection, one frame per checkpoint), metadata and
// thumbnails. Read once off the GUI thread by loadEmbeddingSet(), then shared read-only
// (std::shared_ptr<const EmbeddingSet>) between the view, the panels and background jobs.
//
// How entries of a projector directory become originals and tracks (the names `loom embed`
// writes, docs/embeddings.md; anything else still opens):
//  * an entry with 2 or 3 dimensions whose name has a '/' ("relu2/tsne@step30") is a layout;
//    every other entry is an original (a point's vector in the model's feature space);
//  * a trailing "@TAG" names the checkpoint ("step30"); layouts with the same name before the
//    '@' form one track, its frames in config order (the checkpoint slider);
//  * a layout's original is the entry named as the layout before the last '/' with the same
//    tag ("relu2@step30"), else the first original with that tag, else the first original;
//  * a directory without layouts gets none here; the mode computes a PCA layout then.
#pragma once

#include <QImage>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/embed/projector.h"

namespace loom::studio {

/// One projection over the checkpoints.
struct LayoutTrack {
  QString name;      ///< "relu2/tsne" (the entry name without "@TAG")
  int dims = 2;      ///< 2 or 3
  QStringList tags;  ///< per frame: the checkpoint tag ("" without one)
  /// Per frame: N x 3 world coordinates (normalizeLayouts(); z = 0 for 2-D), shared with the
  /// view (never written after loading).
  std::vector<std::shared_ptr<const std::vector<float>>> frames;
  std::vector<int> originals;  ///< per frame: index into EmbeddingSet::originals, -1 if none
  bool live = false;           ///< computed in the studio (not read from the directory)
};

struct EmbeddingSet {
  QString dir;                    ///< the projector directory read
  std::int64_t points = 0;        ///< N, the same for every entry
  std::vector<Tensor> originals;  ///< F32 [N, D] each
  QStringList originalNames;      ///< entry names of originals
  QStringList originalTags;       ///< their checkpoint tags
  std::vector<LayoutTrack> tracks;
  embed::MetadataTable metadata;      ///< empty when the directory has none
  QImage sprite;                      ///< the sprite sheet (Format_RGB32), null when none
  int cellWidth = 0, cellHeight = 0;  ///< one thumbnail's size in `sprite`
  QStringList warnings;               ///< the reader's warnings, shown in the status line

  /// The thumbnail of point `i` (a copy of its sprite cell), null without a sprite.
  QImage thumbnail(std::int64_t i) const;
  /// Cells per sprite row (0 without a sprite).
  int spriteColumns() const { return cellWidth > 0 ? sprite.width() / cellWidth : 0; }
  /// Metadata cell (row i, column c) as text; "" when out of range.
  QString cell(std::int64_t i, int column) const;
};

/// Splits an entry name "base@tag" (tag "" when there is no '@').
std::pair<QString, QString> splitTag(const QString& name);

/// Maps every frame into the view's world coordinates with ONE transform shared by all
/// frames, so movement between checkpoints stays visible: the centre of the frames' common
/// bounding box goes to 0 and its longest half-side to 1 (a degenerate box: scale 1). Output
/// per frame: N x 3 floats, z = 0 when dims == 2. `frames` are row-major [N, dims].
std::vector<std::vector<float>> normalizeLayouts(const std::vector<const float*>& frames,
                                                 std::int64_t points, int dims);

/// Reads `dir` (a projector directory, or a run directory holding `projector/`): the engine's
/// hostile-safe reader (engine/embed/projector.h), then the grouping above and the sprite
/// image. Runs on any thread; slow for big sets (call it off the GUI thread). Errors are the
/// reader's, or NotFound naming both places looked at, or InvalidArgument when no entry
/// has at least 2 dimensions.
Expected<std::shared_ptr<const EmbeddingSet>> loadEmbeddingSet(const QString& dir);

}  // namespace loom::studio
