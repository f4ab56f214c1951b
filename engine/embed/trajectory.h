// One projection method over several checkpoints of the same points, laid out comparably:
// how the embedding moved while the model trained.
//
// PCA: each checkpoint is projected on its own principal components, then rotated (or
// reflected) onto the previous checkpoint's layout by orthogonal Procrustes (the rotation R
// minimising |Y_t R - Y_(t-1)|_F, from the SVD of Y_t^T Y_(t-1), both centred; no scaling).
// t-SNE and UMAP: the first checkpoint starts from their usual initialisation, each later one
// from the previous checkpoint's layout (t-SNE then without early exaggeration).
#pragma once

#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/embed/pca.h"
#include "engine/embed/progress.h"
#include "engine/embed/tsne.h"
#include "engine/embed/umap.h"

namespace loom::embed {

enum class Projection { Pca, Tsne, Umap };

/// "pca" | "tsne" | "umap" (the one list of names; `loom embed --method` uses it).
const std::vector<std::string>& projectionNames();
Expected<Projection> parseProjection(const std::string& name);
const char* projectionName(Projection p);

struct ProjectionOptions {
  Projection method = Projection::Pca;
  int components = 2;
  PcaOptions pca;    ///< components taken from `components`
  TsneOptions tsne;  ///< components taken from `components`
  UmapOptions umap;  ///< components taken from `components`
};

/// Projects `points` with options.method; `initial` (optional, [N, components]) seeds t-SNE
/// and UMAP and is the Procrustes reference of PCA.
Expected<Tensor> project(const Tensor& points, const ProjectionOptions& options,
                         const Tensor& initial = {}, const EmbedControl& control = {});

/// `layout` ([N, k]) rotated or reflected to best match `reference` (same dims): both centred,
/// R = U V^T from the SVD U S V^T of layout_c^T reference_c; returns layout_c R plus the
/// reference's mean.
Expected<Tensor> procrustesAlign(const Tensor& layout, const Tensor& reference);

/// Layouts of `checkpoints` (activations of the same points, one tensor per checkpoint), each
/// comparable to the previous (see above). Progress stage "checkpoint" between checkpoints.
Expected<std::vector<Tensor>> trajectory(const std::vector<Tensor>& checkpoints,
                                         const ProjectionOptions& options,
                                         const EmbedControl& control = {});

}  // namespace loom::embed
