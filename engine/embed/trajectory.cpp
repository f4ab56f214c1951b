#include "engine/embed/trajectory.h"

#include <Eigen/Dense>

namespace loom::embed {

namespace {
using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}  // namespace

const std::vector<std::string>& projectionNames() {
  static const std::vector<std::string> names = {"pca", "tsne", "umap"};
  return names;
}

Expected<Projection> parseProjection(const std::string& name) {
  if (name == "pca") return Projection::Pca;
  if (name == "tsne") return Projection::Tsne;
  if (name == "umap") return Projection::Umap;
  return invalidArgument("unknown projection method \"" + name + "\"; expected pca, tsne or umap");
}

const char* projectionName(Projection p) {
  switch (p) {
    case Projection::Pca:
      return "pca";
    case Projection::Tsne:
      return "tsne";
    case Projection::Umap:
      return "umap";
  }
  return "?";
}

Expected<Tensor> procrustesAlign(const Tensor& layout, const Tensor& reference) {
  if (layout.rank() != 2 || layout.dims() != reference.dims())
    return invalidArgument("Procrustes alignment needs two layouts of the same shape, got " +
                           dimsToString(layout.dims()) + " and " + dimsToString(reference.dims()));
  const auto n = layout.dim(0), k = layout.dim(1);
  const Eigen::MatrixXd y = Eigen::Map<const RowMatrixF>(layout.f32(), n, k).cast<double>();
  const Eigen::MatrixXd r = Eigen::Map<const RowMatrixF>(reference.f32(), n, k).cast<double>();
  const Eigen::RowVectorXd ym = y.colwise().mean(), rm = r.colwise().mean();
  const Eigen::MatrixXd yc = y.rowwise() - ym, rc = r.rowwise() - rm;
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(yc.transpose() * rc,
                                        Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Eigen::MatrixXd rot = svd.matrixU() * svd.matrixV().transpose();
  Tensor out({n, k});
  Eigen::Map<RowMatrixF>(out.f32(), n, k) = ((yc * rot).rowwise() + rm).cast<float>();
  return out;
}

Expected<Tensor> project(const Tensor& points, const ProjectionOptions& o, const Tensor& initial,
                         const EmbedControl& control) {
  switch (o.method) {
    case Projection::Pca: {
      PcaOptions po = o.pca;
      po.components = o.components;
      LOOM_ASSIGN_OR_RETURN(PcaResult r, pca(points, po, control));
      if (initial.empty()) return r.projected;
      return procrustesAlign(r.projected, initial);
    }
    case Projection::Tsne: {
      TsneOptions to = o.tsne;
      to.components = o.components;
      to.initialLayout = initial;
      LOOM_ASSIGN_OR_RETURN(TsneResult r, tsne(points, to, control));
      return r.layout;
    }
    case Projection::Umap: {
      UmapOptions uo = o.umap;
      uo.components = o.components;
      uo.initialLayout = initial;
      LOOM_ASSIGN_OR_RETURN(UmapResult r, umap(points, uo, control));
      return r.layout;
    }
  }
  return internalError("unknown projection");
}

Expected<std::vector<Tensor>> trajectory(const std::vector<Tensor>& checkpoints,
                                         const ProjectionOptions& options,
                                         const EmbedControl& control) {
  if (checkpoints.empty()) return invalidArgument("a trajectory needs at least one checkpoint");
  std::vector<Tensor> layouts;
  for (std::size_t c = 0; c < checkpoints.size(); ++c) {
    if (checkpoints[c].rank() != 2 || checkpoints[c].dim(0) != checkpoints[0].dim(0))
      return invalidArgument("checkpoint " + std::to_string(c + 1) + " has activations " +
                             dimsToString(checkpoints[c].dims()) + "; the first has " +
                             dimsToString(checkpoints[0].dims()) + " (the same points are needed)");
    control.report("checkpoint", static_cast<std::int64_t>(c),
                   static_cast<std::int64_t>(checkpoints.size()));
    LOOM_ASSIGN_OR_RETURN(Tensor l, project(checkpoints[c], options,
                                            layouts.empty() ? Tensor() : layouts.back(), control));
    layouts.push_back(l);
  }
  control.report("checkpoint", static_cast<std::int64_t>(checkpoints.size()),
                 static_cast<std::int64_t>(checkpoints.size()));
  return layouts;
}

}  // namespace loom::embed
