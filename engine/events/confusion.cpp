#include "engine/events/confusion.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace loom::events {
namespace {

std::string cell(std::string name) {
  for (char& c : name) {
    if (c == '|' || c == '\n') c = '/';
  }
  return name;
}

/// The cells of "| a | b |" (trimmed), or empty when the line is not a table row.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  if (line.size() < 2 || line.front() != '|' || line.back() != '|') return out;
  std::string current;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '|') {
      const auto a = current.find_first_not_of(' ');
      const auto b = current.find_last_not_of(' ');
      out.push_back(a == std::string::npos ? "" : current.substr(a, b - a + 1));
      current.clear();
    } else {
      current += line[i];
    }
  }
  return out;
}

}  // namespace

std::string confusionMarkdown(const std::vector<std::int64_t>& counts,
                              const std::vector<std::string>& classes) {
  const std::size_t n = classes.size();
  std::string out = "| true \\ predicted |";
  for (const auto& c : classes) out += " " + cell(c) + " |";
  out += "\n|---|";
  for (std::size_t i = 0; i < n; ++i) out += "---|";
  out += "\n";
  for (std::size_t r = 0; r < n; ++r) {
    out += "| " + cell(classes[r]) + " |";
    for (std::size_t c = 0; c < n; ++c) {
      const std::size_t at = r * n + c;
      out += " " + std::to_string(at < counts.size() ? counts[at] : 0) + " |";
    }
    out += "\n";
  }
  return out;
}

bool parseConfusionMarkdown(const std::string& text, std::vector<std::string>* classes,
                            std::vector<std::int64_t>* counts) {
  classes->clear();
  counts->clear();
  std::istringstream in(text);
  std::string line;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) rows.push_back(cells(line));
  if (rows.size() < 2 || rows[0].size() < 2 || rows[0][0] != "true \\ predicted") return false;
  const std::size_t n = rows[0].size() - 1;
  if (rows.size() != n + 2) return false;
  for (std::size_t c = 0; c < n; ++c) classes->push_back(rows[0][c + 1]);
  for (std::size_t r = 0; r < n; ++r) {
    const auto& row = rows[r + 2];
    if (row.size() != n + 1 || row[0] != (*classes)[r]) break;
    for (std::size_t c = 0; c < n; ++c) {
      char* end = nullptr;
      const long long v = std::strtoll(row[c + 1].c_str(), &end, 10);
      if (end == row[c + 1].c_str() || *end != '\0' || v < 0) break;
      counts->push_back(v);
    }
  }
  if (counts->size() != n * n) {
    classes->clear();
    counts->clear();
    return false;
  }
  return true;
}

namespace {
double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}
}  // namespace

ConfusionSummary summarizeConfusion(const std::vector<std::int64_t>& counts,
                                    const std::vector<std::string>& classes) {
  ConfusionSummary s;
  // The matrix is n × n with n = sqrt(cells); the class list names its rows.
  const auto n = static_cast<std::size_t>(std::llround(std::sqrt(double(counts.size()))));
  if (n * n != counts.size()) return s;
  auto at = [&](std::size_t r, std::size_t c) {
    return std::max<std::int64_t>(0, counts[r * n + c]);
  };
  s.classes.resize(n);
  std::int64_t trace = 0;
  for (std::size_t k = 0; k < n; ++k) {
    ClassScores& c = s.classes[k];
    c.name = k < classes.size() ? classes[k] : std::to_string(k);
    c.correct = at(k, k);
    for (std::size_t j = 0; j < n; ++j) {
      c.support += at(k, j);
      c.predicted += at(j, k);
    }
    c.precision = ratio(double(c.correct), double(c.predicted));
    c.recall = ratio(double(c.correct), double(c.support));
    c.f1 = ratio(2 * c.precision * c.recall, c.precision + c.recall);
    trace += c.correct;
    s.total += c.support;
  }
  s.accuracy = ratio(double(trace), double(s.total));
  s.macro.name = "macro avg";
  s.weighted.name = "weighted avg";
  s.macro.support = s.weighted.support = s.total;
  s.macro.correct = s.weighted.correct = trace;
  s.macro.predicted = s.weighted.predicted = s.total;
  for (const ClassScores& c : s.classes) {
    s.macro.precision += c.precision / double(n);
    s.macro.recall += c.recall / double(n);
    s.macro.f1 += c.f1 / double(n);
    const double w = ratio(double(c.support), double(s.total));
    s.weighted.precision += w * c.precision;
    s.weighted.recall += w * c.recall;
    s.weighted.f1 += w * c.f1;
  }
  return s;
}

}  // namespace loom::events
