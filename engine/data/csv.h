// CSV tables as datasets: one sample per row, one column holds the class label, every
// other column is a numeric feature.
#pragma once

#include <string>

#include "engine/data/dataset.h"

namespace loom {

struct CsvOptions {
  /// Which column holds the label. `labelName` wins when set (needs a header row);
  /// otherwise `labelIndex`, where negative values count from the end (-1 = last column).
  std::string labelName;
  int labelIndex = -1;
  /// First row handling. Auto: the first row is a header iff one of its feature cells is
  /// not a number.
  enum class Header { Auto, Present, Absent };
  Header header = Header::Auto;
  char delimiter = ',';
};

/// Reads `path` into a Dataset with F32 [N, F] features and I64 [N] labels.
///
/// Labels: when every label cell is a non-negative integer, the cell is the class index and
/// classes are named "0", "1", ... up to the largest index. Otherwise labels are strings;
/// classes are the distinct strings in sorted order.
///
/// Cells may be quoted with double quotes ("a,b" and "" inside quotes); surrounding spaces
/// are ignored; blank lines are skipped. Errors name `file:line`, the column and the bad
/// cell: a non-numeric feature, a row with the wrong number of cells, an empty file, an
/// unknown label column.
Expected<Dataset> readCsv(const std::string& path, const CsvOptions& options = {});

}  // namespace loom
