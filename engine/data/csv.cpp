#include "engine/data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>

#include "engine/core/file_util.h"
#include "engine/core/utf8.h"

namespace loom {

namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// Splits one line into cells. Returns false on an unterminated quote.
bool splitLine(const std::string& line, char delimiter, std::vector<std::string>& cells) {
  cells.clear();
  std::string cell;
  bool quoted = false, wasQuoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"' && trim(cell).empty()) {
      quoted = wasQuoted = true;
      cell.clear();
    } else if (c == delimiter) {
      cells.push_back(wasQuoted ? cell : trim(cell));
      cell.clear();
      wasQuoted = false;
    } else {
      if (!(wasQuoted && (c == ' ' || c == '\t' || c == '\r'))) cell += c;
    }
  }
  if (quoted) return false;
  cells.push_back(wasQuoted ? cell : trim(cell));
  return true;
}

std::optional<double> parseNumber(const std::string& cell) {
  if (cell.empty()) return std::nullopt;
  double v = 0;
  const char* begin = cell.data();
  const char* end = begin + cell.size();
  if (*begin == '+') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parseClassIndex(const std::string& cell) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec != std::errc() || ptr != cell.data() + cell.size() || v < 0) return std::nullopt;
  return v;
}

std::string quoteCell(const std::string& cell) {
  return "\"" + cell + "\"";
}

}  // namespace

Expected<Dataset> readCsv(const std::string& path, const CsvOptions& options) {
  LOOM_ASSIGN_OR_RETURN(const std::string text, readFile(path));
  // Class names come from the label cells and go into run.json and the studio: refuse bytes
  // that are not text here, where the line and column can still be named.
  if (auto problem = utf8TextProblem(text, path)) return dataCorrupt(*problem);

  // Rows with their 1-based line numbers, blank lines dropped.
  std::vector<std::pair<int, std::vector<std::string>>> rows;
  {
    std::size_t pos = 0;
    int lineNo = 0;
    std::vector<std::string> cells;
    while (pos <= text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      const std::string line = text.substr(pos, nl - pos);
      ++lineNo;
      pos = nl + 1;
      if (trim(line).empty()) continue;
      if (!splitLine(line, options.delimiter, cells))
        return Status(ErrorCode::ParseError,
                      path + ":" + std::to_string(lineNo) + ": unterminated quoted cell");
      rows.emplace_back(lineNo, cells);
    }
  }
  if (rows.empty()) return dataCorrupt(path + ": the CSV file has no rows");

  const int columns = static_cast<int>(rows.front().second.size());
  if (columns < 2)
    return dataCorrupt(path + ":" + std::to_string(rows.front().first) +
                       ": need a label column and at least one feature column, found " +
                       std::to_string(columns) + " column(s)");

  int labelColumn = options.labelIndex < 0 ? columns + options.labelIndex : options.labelIndex;
  if (options.labelName.empty() && (labelColumn < 0 || labelColumn >= columns))
    return invalidArgument(path + ": label column index " + std::to_string(options.labelIndex) +
                           " is outside the " + std::to_string(columns) + " columns");

  bool hasHeader = options.header == CsvOptions::Header::Present;
  if (options.header == CsvOptions::Header::Auto) {
    const auto& first = rows.front().second;
    for (int c = 0; c < columns; ++c) {
      const bool isLabel =
          options.labelName.empty() ? c == labelColumn : first[c] == options.labelName;
      if (!isLabel && !parseNumber(first[c])) hasHeader = true;
    }
  }
  std::vector<std::string> header;
  if (hasHeader) header = rows.front().second;
  if (!options.labelName.empty()) {
    if (!hasHeader)
      return invalidArgument(path + ": label column \"" + options.labelName +
                             "\" needs a header row, but the file has none");
    const auto it = std::find(header.begin(), header.end(), options.labelName);
    if (it == header.end()) {
      std::string names;
      for (const auto& h : header) names += (names.empty() ? "" : ", ") + quoteCell(h);
      return notFound(path + ":" + std::to_string(rows.front().first) + ": no column named \"" +
                      options.labelName + "\"; the header has " + names);
    }
    labelColumn = static_cast<int>(it - header.begin());
  }

  const std::size_t firstData = hasHeader ? 1 : 0;
  const auto n = static_cast<std::int64_t>(rows.size() - firstData);
  if (n == 0) return dataCorrupt(path + ": the CSV file has a header but no data rows");
  const std::int64_t features = columns - 1;

  Dataset ds;
  ds.source = path;
  ds.images = Tensor({n, features});
  ds.labels = Tensor({n}, DType::I64);
  float* x = ds.images.f32();
  std::vector<std::string> labelCells;
  labelCells.reserve(static_cast<std::size_t>(n));
  auto columnName = [&](int c) {
    std::string s = "column " + std::to_string(c + 1);
    if (hasHeader) s += " (" + quoteCell(header[c]) + ")";
    return s;
  };

  for (std::size_t r = firstData; r < rows.size(); ++r) {
    const auto& [lineNo, cells] = rows[r];
    const std::string where = path + ":" + std::to_string(lineNo);
    if (static_cast<int>(cells.size()) != columns)
      return dataCorrupt(where + ": expected " + std::to_string(columns) + " cells, found " +
                         std::to_string(cells.size()));
    float* row = x + static_cast<std::int64_t>(r - firstData) * features;
    for (int c = 0; c < columns; ++c) {
      if (c == labelColumn) {
        labelCells.push_back(cells[c]);
        continue;
      }
      const auto v = parseNumber(cells[c]);
      if (!v)
        return dataCorrupt(where + ": " + columnName(c) + ": cannot parse " + quoteCell(cells[c]) +
                           " as a number");
      // NaN/Inf (from_chars accepts "nan" and "inf") or a value beyond float: the loader's
      // normalisation would only report "mean must be finite" without a row or a column.
      if (!std::isfinite(static_cast<float>(*v)))
        return dataCorrupt(where + ": " + columnName(c) + ": " + quoteCell(cells[c]) +
                           " is not a finite number (features must be finite floats)");
      *row++ = static_cast<float>(*v);
    }
  }

  // Integer labels are class indices; anything else names classes.
  bool integerLabels = true;
  std::int64_t maxLabel = -1;
  for (const auto& cell : labelCells) {
    const auto v = parseClassIndex(cell);
    if (!v) {
      integerLabels = false;
      break;
    }
    maxLabel = std::max(maxLabel, *v);
  }
  auto* y = ds.labels.data<std::int64_t>();
  if (integerLabels) {
    if (maxLabel > 1'000'000)
      return dataCorrupt(path + ": label " + std::to_string(maxLabel) +
                         " is too large to be a class index");
    for (std::int64_t i = 0; i < n; ++i) y[i] = *parseClassIndex(labelCells[i]);
    for (std::int64_t k = 0; k <= maxLabel; ++k) ds.classNames.push_back(std::to_string(k));
  } else {
    std::map<std::string, std::int64_t> ids;
    for (const auto& cell : labelCells) ids.emplace(cell, 0);
    for (auto& [name, id] : ids) {
      id = static_cast<std::int64_t>(ds.classNames.size());
      ds.classNames.push_back(name);
    }
    for (std::int64_t i = 0; i < n; ++i) y[i] = ids.at(labelCells[i]);
  }
  LOOM_RETURN_IF_ERROR(validateDataset(ds));
  return ds;
}

}  // namespace loom
