// NeighborsPanel (the "Point" dock): the picked point's thumbnail and metadata, and its k
// nearest neighbours in the ORIGINAL space (the activations, not the 2-D/3-D layout), cosine or
// Euclidean, with distances and thumbnails. The neighbours come from engine/embed/knn.h's exact
// queryNeighbors(), run on a worker thread (QtConcurrent); a result that arrives after the user
// picked another point is dropped. Double-clicking a row picks that neighbour.
#pragma once

#include <QWidget>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/embed/knn.h"
#include "widgets/modes/embeddings/embedding_set.h"

class QComboBox;
class QLabel;
class QSpinBox;
class QTreeWidget;

namespace loom::studio {

class NeighborsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit NeighborsPanel(QWidget* parent = nullptr);

  /// The set and which of its originals defines "nearest" (-1: none; the panel says so).
  void setSet(std::shared_ptr<const EmbeddingSet> set, int original);
  void setOriginal(int original);
  /// Shows point `index` (-1 clears) and starts its neighbour query.
  void showPoint(std::int64_t index);
  std::int64_t point() const { return m_point; }

  /// The neighbours listed (the point itself excluded), nearest first, and their distances
  /// (Euclidean, or 1 - cosine similarity). Empty until neighborsReady().
  const std::vector<std::int64_t>& neighbors() const { return m_neighbors; }
  const std::vector<float>& distances() const { return m_distances; }
  embed::KnnMetric metric() const;
  void setMetric(embed::KnnMetric metric);
  int k() const;
  void setK(int k);
  QTreeWidget* list() const { return m_list; }

 signals:
  /// The neighbours of `point` are listed.
  void neighborsReady(std::int64_t point);
  /// The user double-clicked the neighbour `index`.
  void neighborActivated(std::int64_t index);

 private:
  void query();
  void showResult(std::int64_t point, const embed::KnnGraph& graph);

  std::shared_ptr<const EmbeddingSet> m_set;
  int m_original = -1;
  std::int64_t m_point = -1;
  std::uint64_t m_generation = 0;  // increments per query; stale results are dropped
  std::vector<std::int64_t> m_neighbors;
  std::vector<float> m_distances;
  QLabel* m_image;
  QLabel* m_info;
  QComboBox* m_metric;
  QSpinBox* m_k;
  QTreeWidget* m_list;
};

}  // namespace loom::studio
