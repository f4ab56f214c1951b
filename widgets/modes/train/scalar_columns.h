// The RunTailer's ScalarStore (engine/events/log_dir_reader.h): the engine's reader decodes a
// run's scalar points straight into the QVector<double> arrays the RunStore keeps, so a big
// log is written once, in its final place (docs/dashboard.md, figures G), instead of into the
// reader's series and then copied into QVectors grown by reallocation.
//
//   ColumnStore store;                       // given to LogDirOptions::scalarStore
//   ... reader.poll() ...                    // the reader fills store.columns(run, tag)
//   store.takeInto("run", update.scalars);   // the points, as QVectors, without a copy
//
// Lives on the tailer's thread, like the reader.
#pragma once

#include <QHash>
#include <QString>
#include <QVector>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "engine/events/log_dir_reader.h"
#include "widgets/modes/train/run_update.h"

namespace loom::studio {

/// The array of a QVector<double>, allocated before the vector exists: its pages can then be
/// mapped in one call (events::prefaultForWrite: huge pages, no fault per 4 KiB page) and
/// written without the zero-fill of QVector::resize, and take() hands it to a QVector
/// without a copy. The block is what QVector itself would free (malloc'd, Qt's array header
/// first), so the vector owns it like any other.
class DoubleBuffer {
 public:
  DoubleBuffer() = default;
  DoubleBuffer(const DoubleBuffer&) = delete;
  DoubleBuffer& operator=(const DoubleBuffer&) = delete;
  ~DoubleBuffer();

  /// Room for `capacity` elements, the first `keep` copied over (keep <= capacity()). A big
  /// block is aligned for huge pages, which its elements are given as they are first written
  /// (one fault per 2 MiB); map() maps them ahead.
  void reallocate(std::size_t capacity, std::size_t keep);
  /// Maps the pages of elements [from, to) now (events::prefaultForWrite).
  void map(std::size_t from, std::size_t to);
  double* data() const { return m_data; }
  std::size_t capacity() const { return m_capacity; }
  /// A QVector of the first `size` elements that owns the array; this buffer is then empty.
  QVector<double> take(std::size_t size);

 private:
  void* m_block = nullptr;  ///< Qt's QArrayData header, then the elements
  double* m_data = nullptr;
  std::size_t m_capacity = 0;
};

/// One tag's columns (steps, wall times, values) in DoubleBuffers.
class Columns final : public events::ScalarColumns {
 public:
  /// Allocates `expected` points when `capacity` does not fit (so a big log is allocated
  /// once, and the reader's later, bigger requests fit) and maps the first `capacity`; the
  /// steps and wall times only when the column has its own (timesOf() is null).
  void reserve(std::size_t capacity, std::size_t expected) override;
  /// The points appended so far, as the three QVectors of a ScalarSeries (only the values
  /// when timesOf() is set: the steps and wall times are the leader's); the columns are then
  /// empty (and free nothing: the vectors own the memory).
  ScalarSeries take();

 private:
  DoubleBuffer m_steps, m_walls, m_values;
  std::size_t m_mapped = 0;  ///< points whose pages were mapped ahead
};

/// The columns of every (run, tag) the reader filled since the last takeInto().
class ColumnStore final : public events::ScalarStore {
 public:
  events::ScalarColumns& columns(const std::string& run, const std::string& tag) override;
  /// Moves the points of `run` into `scalars` (tag → series; points already there come
  /// first) and forgets the run's columns. Tags that shared their times get the same steps
  /// and walls QVectors (implicitly shared: one array for all).
  void takeInto(const std::string& run, QHash<QString, ScalarSeries>& scalars);
  /// Forgets every run's columns (runs that were removed before they were taken).
  void clear() { m_columns.clear(); }

 private:
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Columns>> m_columns;
};

}  // namespace loom::studio
