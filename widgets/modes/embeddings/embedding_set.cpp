#include "widgets/modes/embeddings/embedding_set.h"

#include <QDir>
#include <QFileInfo>
#include <algorithm>
#include <limits>

namespace loom::studio {

QImage EmbeddingSet::thumbnail(std::int64_t i) const {
  const int cols = spriteColumns();
  if (cols <= 0 || i < 0 || i >= points) return {};
  const int col = int(i % cols), row = int(i / cols);
  if ((row + 1) * cellHeight > sprite.height()) return {};
  return sprite.copy(col * cellWidth, row * cellHeight, cellWidth, cellHeight);
}

QString EmbeddingSet::cell(std::int64_t i, int column) const {
  if (i < 0 || std::size_t(i) >= metadata.rows.size() || column < 0) return {};
  const auto& row = metadata.rows[std::size_t(i)];
  return std::size_t(column) < row.size() ? QString::fromStdString(row[std::size_t(column)])
                                          : QString();
}

std::pair<QString, QString> splitTag(const QString& name) {
  const int at = name.lastIndexOf(QLatin1Char('@'));
  if (at < 0) return {name, QString()};
  return {name.left(at), name.mid(at + 1)};
}

std::vector<std::vector<float>> normalizeLayouts(const std::vector<const float*>& frames,
                                                 std::int64_t points, int dims) {
  const int used = std::min(dims, 3);
  float lo[3], hi[3];
  std::fill(lo, lo + 3, std::numeric_limits<float>::max());
  std::fill(hi, hi + 3, std::numeric_limits<float>::lowest());
  for (const float* f : frames)
    for (std::int64_t i = 0; i < points; ++i)
      for (int d = 0; d < used; ++d) {
        lo[d] = std::min(lo[d], f[i * dims + d]);
        hi[d] = std::max(hi[d], f[i * dims + d]);
      }
  if (frames.empty() || points == 0) std::fill(lo, lo + 3, 0.f), std::fill(hi, hi + 3, 0.f);
  float half = 0, mid[3] = {0, 0, 0};
  for (int d = 0; d < used; ++d) {
    mid[d] = (lo[d] + hi[d]) / 2;
    half = std::max(half, (hi[d] - lo[d]) / 2);
  }
  const float scale = half > 0 ? 1 / half : 1;
  std::vector<std::vector<float>> out;
  out.reserve(frames.size());
  for (const float* f : frames) {
    std::vector<float> w(std::size_t(points) * 3, 0.f);
    for (std::int64_t i = 0; i < points; ++i)
      for (int d = 0; d < used; ++d)
        w[std::size_t(i) * 3 + std::size_t(d)] = (f[i * dims + d] - mid[d]) * scale;
    out.push_back(std::move(w));
  }
  return out;
}

namespace {

bool isLayout(const embed::ProjectorEmbedding& e) {
  const auto dims = e.values.dim(1);
  return (dims == 2 || dims == 3) && e.name.find('/') != std::string::npos;
}

int originalFor(const EmbeddingSet& set, const QString& base, const QString& tag) {
  const int slash = base.lastIndexOf(QLatin1Char('/'));
  const QString wanted = tag.isEmpty() ? base.left(slash) : base.left(slash) + '@' + tag;
  if (int i = int(set.originalNames.indexOf(wanted)); i >= 0) return i;
  if (int i = int(set.originalTags.indexOf(tag)); i >= 0) return i;
  return set.originals.empty() ? -1 : 0;
}

void loadSprite(EmbeddingSet& set, const embed::SpriteInfo& info) {
  QImage image(QString::fromStdString(info.path));
  if (image.isNull() || info.cellWidth <= 0 || info.cellHeight <= 0) {
    set.warnings << QStringLiteral("sprite %1 could not be decoded; no thumbnails")
                        .arg(QString::fromStdString(info.path));
    return;
  }
  set.sprite = image.convertToFormat(QImage::Format_RGB32);
  set.cellWidth = info.cellWidth;
  set.cellHeight = info.cellHeight;
}

}  // namespace

Expected<std::shared_ptr<const EmbeddingSet>> loadEmbeddingSet(const QString& path) {
  QString dir = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
  const QString inRun = dir + QStringLiteral("/projector");
  if (!QFileInfo::exists(dir + '/' + embed::kProjectorConfigFile) &&
      QFileInfo::exists(inRun + '/' + embed::kProjectorConfigFile))
    dir = inRun;  // a run directory: its projector/ folder
  if (!QFileInfo::exists(dir + '/' + embed::kProjectorConfigFile))
    return notFound(QStringLiteral("no %1 in %2 nor in %3")
                        .arg(QString::fromLatin1(embed::kProjectorConfigFile), dir, inRun)
                        .toStdString());
  auto read = embed::readProjector(dir.toStdString());
  if (!read) return read.status();
  auto set = std::make_shared<EmbeddingSet>();
  set->dir = dir;
  for (const auto& w : read->warnings) set->warnings << QString::fromStdString(w);
  auto& entries = read->embeddings;
  if (entries.empty())
    return invalidArgument("projector directory " + dir.toStdString() + " has no tensor entries");
  set->points = entries.front().values.dim(0);
  for (auto& e : entries) {
    if (e.values.dim(0) != set->points) {
      set->warnings << QStringLiteral("entry \"%1\" has %2 points, not %3; skipped")
                           .arg(QString::fromStdString(e.name))
                           .arg(e.values.dim(0))
                           .arg(set->points);
      continue;
    }
    if (set->metadata.empty() && !e.metadata.empty()) set->metadata = e.metadata;
    if (set->sprite.isNull() && e.sprite) loadSprite(*set, *e.sprite);
    if (isLayout(e)) continue;
    set->originals.push_back(e.values);
    set->originalNames << QString::fromStdString(e.name);
    set->originalTags << splitTag(set->originalNames.back()).second;
  }
  // Layout entries grouped into tracks, frames in config order.
  std::vector<std::vector<const embed::ProjectorEmbedding*>> members;
  for (const auto& e : entries) {
    if (!isLayout(e) || e.values.dim(0) != set->points) continue;
    const auto [base, tag] = splitTag(QString::fromStdString(e.name));
    auto it = std::find_if(set->tracks.begin(), set->tracks.end(), [&](const LayoutTrack& t) {
      return t.name == base && t.dims == int(e.values.dim(1));
    });
    if (it == set->tracks.end()) {
      set->tracks.push_back({base, int(e.values.dim(1)), {}, {}, {}, false});
      members.emplace_back();
      it = set->tracks.end() - 1;
    }
    it->tags << tag;
    it->originals.push_back(originalFor(*set, base, tag));
    members[std::size_t(it - set->tracks.begin())].push_back(&e);
  }
  for (std::size_t t = 0; t < set->tracks.size(); ++t) {
    std::vector<const float*> frames;
    for (const auto* e : members[t]) frames.push_back(e->values.f32());
    for (auto& world : normalizeLayouts(frames, set->points, set->tracks[t].dims))
      set->tracks[t].frames.push_back(std::make_shared<const std::vector<float>>(std::move(world)));
  }
  if (set->originals.empty() && set->tracks.empty())
    return invalidArgument("projector directory " + dir.toStdString() +
                           " has no entry with at least 2 dimensions");
  return std::shared_ptr<const EmbeddingSet>(std::move(set));
}

}  // namespace loom::studio
