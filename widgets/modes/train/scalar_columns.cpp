#include "widgets/modes/train/scalar_columns.h"

#include <QArrayData>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/events/prefault.h"

namespace loom::studio {
namespace {

using Data = QTypedArrayData<double>;
/// Qt's own alignment for a QVector<double>'s block.
constexpr std::size_t kAlignment = alignof(Data::AlignmentDummy);
/// Big blocks start on a 2 MiB boundary and span whole 2 MiB pages, so all of a column can
/// be a transparent huge page (a block that is not aligned keeps 4 KiB pages at its ends).
constexpr std::size_t kHugePage = std::size_t{2} << 20;

constexpr std::size_t roundUp(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

/// Where the elements start in a block aligned to kAlignment (QTypedArrayData::dataStart).
constexpr std::size_t kHeaderBytes = roundUp(sizeof(QArrayData), kAlignment);

/// A malloc'd block for `capacity` doubles after Qt's array header; null when out of memory.
/// A big one is aligned and sized for huge pages and asks for them before anything is
/// written (its header included: a page written before the advice stays 4 KiB).
void* allocateBlock(std::size_t capacity, std::size_t* bytes) {
  *bytes = kHeaderBytes + capacity * sizeof(double);
  const bool big = *bytes >= events::kPrefaultMinBytes;
  if (big) *bytes = roundUp(*bytes, kHugePage);
  void* block = nullptr;
  if (::posix_memalign(&block, big ? kHugePage : kAlignment, *bytes) != 0) return nullptr;
  if (big) events::adviseHugePages(block, *bytes);
  return block;
}

}  // namespace

DoubleBuffer::~DoubleBuffer() {
  std::free(m_block);
}

void DoubleBuffer::reallocate(std::size_t capacity, std::size_t keep) {
  keep = std::min(keep, m_capacity);  // none when there was no array yet
  std::size_t bytes = 0;
  void* block = allocateBlock(capacity, &bytes);
  if (!block) throw std::bad_alloc();
  // Qt's header (QArrayData: reference count, options, capacity), as QArrayData::allocate
  // writes it; QVector frees the block with free() when its last copy goes.
  auto* header = static_cast<Data*>(::new (block) QArrayData{});
  header->ref_.storeRelaxed(1);
  header->flags = {};
  double* data = Data::dataStart(header, kAlignment);
  header->alloc = qsizetype((static_cast<char*>(block) + bytes - reinterpret_cast<char*>(data)) /
                            qsizetype(sizeof(double)));
  if (keep > 0) std::memcpy(data, m_data, keep * sizeof(double));
  std::free(m_block);
  m_block = block;
  m_data = data;
  m_capacity = std::size_t(header->alloc);
}

void DoubleBuffer::map(std::size_t from, std::size_t to) {
  if (to > from) events::prefaultForWrite(m_data + from, (to - from) * sizeof(double));
}

QVector<double> DoubleBuffer::take(std::size_t size) {
  if (!m_block) return {};
  QArrayDataPointer<double> pointer(static_cast<Data*>(m_block), m_data, qsizetype(size));
  m_block = nullptr;
  m_data = nullptr;
  m_capacity = 0;
  return QVector<double>(std::move(pointer));
}

void Columns::reserve(std::size_t capacity, std::size_t expected) {
  const std::size_t before = size();
  if (capacity > m_values.capacity()) {
    m_values.reallocate(std::max(capacity, expected), size());
    m_mapped = size();
  }
  const bool ownTimes = !timesOf();
  if (ownTimes && m_steps.capacity() < m_values.capacity()) {
    // Grown with the values, or allocated for the first time by ownTimes() (which then
    // copies the leader's): the same capacity as the values (the same rounding).
    m_steps.reallocate(m_values.capacity(), size());
    m_walls.reallocate(m_values.capacity(), size());
  }
  setArrays(ownTimes ? m_steps.data() : nullptr, ownTimes ? m_walls.data() : nullptr,
            m_values.data(),
            ownTimes ? std::min({m_steps.capacity(), m_walls.capacity(), m_values.capacity()})
                     : m_values.capacity());
  const std::size_t to = std::min(capacity, this->capacity());
  if (to > m_mapped) {
    const std::size_t from = std::max(m_mapped, before);
    m_values.map(from, to);
    if (ownTimes) {
      m_steps.map(from, to);
      m_walls.map(from, to);
    }
    m_mapped = to;
  }
}

ScalarSeries Columns::take() {
  ScalarSeries s;
  if (!timesOf()) {  // else the store gives the leader's (ColumnStore::takeInto)
    s.steps = m_steps.take(size());
    s.walls = m_walls.take(size());
  }
  s.values = m_values.take(size());
  setArrays(nullptr, nullptr, nullptr, 0);
  setSize(0);
  clearTimesOf();
  m_mapped = 0;
  return s;
}

events::ScalarColumns& ColumnStore::columns(const std::string& run, const std::string& tag) {
  std::unique_ptr<Columns>& c = m_columns[{run, tag}];
  if (!c) c = std::make_unique<Columns>();
  return *c;
}

void ColumnStore::takeInto(const std::string& run, QHash<QString, ScalarSeries>& scalars) {
  const auto first = m_columns.lower_bound({run, std::string()});
  auto last = first;
  while (last != m_columns.end() && last->first.first == run) ++last;
  // Every column first (a column sharing times takes only its values), then the shared
  // steps and wall times from the leader's taken QVectors: the same arrays, not copies.
  std::map<const events::ScalarColumns*, std::pair<ScalarSeries, const events::ScalarColumns*>>
      taken;
  for (auto it = first; it != last; ++it) {
    const events::ScalarColumns* leader = it->second->timesOf();
    taken[it->second.get()] = {it->second->take(), leader};
  }
  for (auto& [columns, entry] : taken) {
    auto& [series, leader] = entry;
    if (!leader) continue;
    const ScalarSeries& l = taken.at(leader).first;
    const qsizetype n = series.values.size();  // <= the leader's: the first n are shared
    series.steps = n == l.steps.size() ? l.steps : l.steps.first(n);
    series.walls = n == l.walls.size() ? l.walls : l.walls.first(n);
  }
  for (auto it = first; it != last; ++it) {
    ScalarSeries& s = taken.at(it->second.get()).first;
    ScalarSeries& dst = scalars[QString::fromStdString(it->first.second)];
    if (dst.size() == 0)
      dst = std::move(s);
    else
      dst.append(s);
  }
  m_columns.erase(first, last);
}

}  // namespace loom::studio
