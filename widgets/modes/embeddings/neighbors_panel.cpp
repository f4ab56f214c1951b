#include "widgets/modes/embeddings/neighbors_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPixmap>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "widgets/shell/background.h"

namespace loom::studio {

namespace {
constexpr int kThumbSide = 84;     // the picked point's image
constexpr int kRowThumbSide = 28;  // each neighbour's

QPixmap scaledThumb(const QImage& image, int side) {
  if (image.isNull()) return {};
  return QPixmap::fromImage(image.scaled(side, side, Qt::KeepAspectRatio, Qt::FastTransformation));
}
}  // namespace

NeighborsPanel::NeighborsPanel(QWidget* parent)
    : QWidget(parent),
      m_image(new QLabel),
      m_info(new QLabel),
      m_metric(new QComboBox),
      m_k(new QSpinBox),
      m_list(new QTreeWidget) {
  m_image->setFixedSize(kThumbSide, kThumbSide);
  m_image->setAlignment(Qt::AlignCenter);
  m_image->setStyleSheet(QStringLiteral("background: #222; border: 1px solid #888;"));
  m_info->setWordWrap(true);
  m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_info->setText(tr("Click a point to see its image and nearest neighbours."));
  m_metric->setObjectName(QStringLiteral("neighborMetric"));
  m_metric->addItem(tr("Euclidean"), int(embed::KnnMetric::Euclidean));
  m_metric->addItem(tr("Cosine"), int(embed::KnnMetric::Cosine));
  m_k->setObjectName(QStringLiteral("neighborCount"));
  m_k->setRange(1, 100);
  m_k->setValue(10);
  m_list->setObjectName(QStringLiteral("neighborList"));
  m_list->setColumnCount(4);
  m_list->setHeaderLabels({tr("#"), tr("Point"), tr("Label"), tr("Distance")});
  m_list->setRootIsDecorated(false);
  m_list->setIconSize(QSize(kRowThumbSide, kRowThumbSide));
  m_list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);

  auto* top = new QHBoxLayout;
  top->addWidget(m_image, 0, Qt::AlignTop);
  top->addWidget(m_info, 1);
  auto* form = new QFormLayout;
  auto* row = new QHBoxLayout;
  row->addWidget(m_metric);
  row->addWidget(new QLabel(tr("k")));
  row->addWidget(m_k);
  form->addRow(tr("Neighbours:"), row);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(form);
  layout->addWidget(m_list, 1);

  connect(m_metric, &QComboBox::currentIndexChanged, this, [this] { query(); });
  connect(m_k, &QSpinBox::valueChanged, this, [this] { query(); });
  connect(m_list, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
    emit neighborActivated(item->data(1, Qt::UserRole).toLongLong());
  });
}

void NeighborsPanel::setSet(std::shared_ptr<const EmbeddingSet> set, int original) {
  m_set = std::move(set);
  m_original = original;
  showPoint(-1);
}

void NeighborsPanel::setOriginal(int original) {
  if (original == m_original) return;
  m_original = original;
  query();
}

embed::KnnMetric NeighborsPanel::metric() const {
  return embed::KnnMetric(m_metric->currentData().toInt());
}
void NeighborsPanel::setMetric(embed::KnnMetric metric) {
  m_metric->setCurrentIndex(m_metric->findData(int(metric)));
}
int NeighborsPanel::k() const {
  return m_k->value();
}
void NeighborsPanel::setK(int k) {
  m_k->setValue(k);
}

void NeighborsPanel::showPoint(std::int64_t index) {
  m_point = m_set && index >= 0 && index < m_set->points ? index : -1;
  m_list->clear();
  m_neighbors.clear();
  m_distances.clear();
  ++m_generation;
  if (m_point < 0) {
    m_image->clear();
    m_info->setText(tr("Click a point to see its image and nearest neighbours."));
    return;
  }
  m_image->setPixmap(scaledThumb(m_set->thumbnail(m_point), kThumbSide - 4));
  QStringList lines{tr("<b>Point %1</b>").arg(m_point)};
  for (int c = 0; c < int(m_set->metadata.columns.size()); ++c)
    lines << QStringLiteral("%1: %2").arg(
        QString::fromStdString(m_set->metadata.columns[std::size_t(c)]).toHtmlEscaped(),
        m_set->cell(m_point, c).toHtmlEscaped());
  m_info->setText(lines.join(QStringLiteral("<br>")));
  query();
}

void NeighborsPanel::query() {
  if (!m_set || m_point < 0) return;
  m_list->clear();
  m_neighbors.clear();
  m_distances.clear();
  const std::uint64_t generation = ++m_generation;
  if (m_original < 0 || m_original >= int(m_set->originals.size())) {
    auto* item = new QTreeWidgetItem(m_list);
    item->setText(1, tr("no original vectors in this directory"));
    return;
  }
  const Tensor points = m_set->originals[std::size_t(m_original)];
  const std::int64_t point = m_point;
  const std::int64_t k = std::min<std::int64_t>(m_k->value() + 1, points.dim(0));
  const embed::KnnMetric metric = this->metric();
  runInBackgroundThen(
      this,
      [points, point, k, metric] {
        return embed::queryNeighbors(points, points.f32() + point * points.dim(1), k, metric);
      },
      [this, generation, point](const embed::KnnGraph& graph) {
        if (generation == m_generation) showResult(point, graph);
      });
}

void NeighborsPanel::showResult(std::int64_t point, const embed::KnnGraph& graph) {
  const int k = m_k->value();
  for (std::size_t j = 0; j < graph.indices.size() && int(m_neighbors.size()) < k; ++j) {
    if (graph.indices[j] == point) continue;  // the query itself
    m_neighbors.push_back(graph.indices[j]);
    m_distances.push_back(graph.distances[j]);
  }
  const int labelColumn = m_set->metadata.columns.empty() ? -1 : 0;
  for (std::size_t j = 0; j < m_neighbors.size(); ++j) {
    auto* item = new QTreeWidgetItem(m_list);
    item->setText(0, QString::number(j + 1));
    item->setText(1, QString::number(m_neighbors[j]));
    item->setData(1, Qt::UserRole, qlonglong(m_neighbors[j]));
    item->setIcon(1, scaledThumb(m_set->thumbnail(m_neighbors[j]), kRowThumbSide));
    item->setText(2, m_set->cell(m_neighbors[j], labelColumn));
    item->setText(3, QString::number(m_distances[j], 'g', 5));
    item->setTextAlignment(3, Qt::AlignRight | Qt::AlignVCenter);
  }
  emit neighborsReady(point);
}

}  // namespace loom::studio
