// The tab-separated files of a projector directory and the PNG header check.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "engine/core/utf8.h"
#include "engine/embed/projector.h"

namespace loom::embed {

namespace {

/// Calls `f(lineNumber, line)` for each line of `text` (without "\n" or a trailing "\r").
template <class F>
Status forEachLine(std::string_view text, F&& f) {
  std::size_t pos = 0;
  std::int64_t number = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    LOOM_RETURN_IF_ERROR(f(number, line));
    pos = end + 1;
  }
  return Status::ok();
}

std::vector<std::string_view> splitTabs(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t pos = 0;
  while (true) {
    const std::size_t tab = line.find('\t', pos);
    if (tab == std::string_view::npos) {
      cells.push_back(line.substr(pos));
      return cells;
    }
    cells.push_back(line.substr(pos, tab - pos));
    pos = tab + 1;
  }
}

bool isBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

/// A cell as Python's float() reads it (surrounding spaces and a leading '+' allowed).
bool parseFloat(std::string_view cell, float& value) {
  const auto first = cell.find_first_not_of(" \f\v\r");
  if (first == std::string_view::npos) return false;
  cell = cell.substr(first, cell.find_last_not_of(" \f\v\r") - first + 1);
  if (!cell.empty() && cell.front() == '+') cell.remove_prefix(1);
  if (cell.empty() || cell.front() == '+' || cell.front() == ' ') return false;
  const auto r = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  return r.ec == std::errc() && r.ptr == cell.data() + cell.size();
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  return out + "\"";
}

Status checkUtf8(std::string_view text, const std::string& source) {
  if (auto problem = utf8TextProblem(text, source)) return dataCorrupt(*problem);
  return Status::ok();
}

}  // namespace

Expected<Tensor> parseTensorTsv(std::string_view text, const std::string& source) {
  LOOM_RETURN_IF_ERROR(checkUtf8(text, source));
  std::vector<float> values;
  std::int64_t dims = -1, rows = 0;
  Status st = forEachLine(text, [&](std::int64_t number, std::string_view line) -> Status {
    if (isBlank(line)) return Status::ok();
    const auto cells = splitTabs(line);
    const auto width = static_cast<std::int64_t>(cells.size());
    if (dims < 0) dims = width;
    if (width != dims)
      return dataCorrupt(source + ":" + std::to_string(number) + ": row has " +
                         std::to_string(width) + " values but the first row has " +
                         std::to_string(dims) + " (ragged TSV)");
    for (std::size_t c = 0; c < cells.size(); ++c) {
      float v = 0;
      if (!parseFloat(cells[c], v))
        return dataCorrupt(source + ":" + std::to_string(number) + ": column " +
                           std::to_string(c + 1) + " is not a number: " + quoted(cells[c]));
      if (!std::isfinite(v))
        return dataCorrupt(source + ":" + std::to_string(number) + ": column " +
                           std::to_string(c + 1) + " is not finite: " + quoted(cells[c]));
      values.push_back(v);
    }
    ++rows;
    return Status::ok();
  });
  LOOM_RETURN_IF_ERROR(st);
  if (rows == 0) return dataCorrupt(source + ": no tensor rows");
  if (dims < 2)
    return dataCorrupt(source + ": each point has " + std::to_string(dims) +
                       " value; the projector needs at least 2 dimensions per point");
  Tensor t({rows, dims});
  std::memcpy(t.f32(), values.data(), values.size() * sizeof(float));
  return t;
}

Expected<MetadataTable> parseMetadataTsv(std::string_view text, const std::string& source) {
  LOOM_RETURN_IF_ERROR(checkUtf8(text, source));
  MetadataTable table;
  bool first = true;
  Status st = forEachLine(text, [&](std::int64_t number, std::string_view line) -> Status {
    if (isBlank(line)) return Status::ok();  // TensorBoard skips lines that trim to nothing
    const auto cells = splitTabs(line);
    if (first) {
      first = false;
      if (cells.size() > 1) {  // TensorBoard's rule: a tab in the first line means a header
        for (auto c : cells) table.columns.emplace_back(c);
        return Status::ok();
      }
      table.columns = {"label"};
    }
    if (cells.size() != table.columns.size())
      return dataCorrupt(source + ":" + std::to_string(number) + ": row has " +
                         std::to_string(cells.size()) + " columns but the " +
                         (table.columns.size() > 1 ? "header has " : "first row has ") +
                         std::to_string(table.columns.size()) + " (ragged TSV)");
    std::vector<std::string> row;
    row.reserve(cells.size());
    for (auto c : cells) row.emplace_back(c);
    table.rows.push_back(std::move(row));
    return Status::ok();
  });
  LOOM_RETURN_IF_ERROR(st);
  return table;
}

std::string formatMetadataTsv(const MetadataTable& table) {
  auto clean = [](const std::string& s) {
    std::string out = s;
    for (char& c : out)
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return out;
  };
  std::string out;
  const bool header = table.columns.size() > 1;
  auto appendRow = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) out += '\t';
      out += clean(row[c]);
    }
    out += '\n';
  };
  if (header) appendRow(table.columns);
  for (const auto& row : table.rows) {
    bool blank = true;
    for (const auto& cell : row)
      blank = blank && cell.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
    if (blank) {  // a blank line would be skipped and shift every later row
      std::vector<std::string> marked(std::max<std::size_t>(1, row.size()));
      marked[0] = "unknown";
      appendRow(marked);
      continue;
    }
    appendRow(row);
  }
  return out;
}

Expected<std::pair<int, int>> pngSize(std::string_view header, const std::string& source) {
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (header.size() < 24 || std::memcmp(header.data(), kSignature, 8) != 0 ||
      header.substr(12, 4) != "IHDR")
    return dataCorrupt(source + ": not a PNG file (no PNG signature and IHDR chunk)");
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(header[at + i]);
    return v;
  };
  const std::uint32_t w = be32(16), h = be32(20);
  if (w == 0 || h == 0 || w > 0x7fffffffu || h > 0x7fffffffu)
    return dataCorrupt(source + ": PNG header gives an invalid size " + std::to_string(w) + "x" +
                       std::to_string(h));
  return std::pair<int, int>{static_cast<int>(w), static_cast<int>(h)};
}

}  // namespace loom::embed
