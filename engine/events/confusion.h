// The confusion matrix as the trainer logs it (tag "confusion_matrix/<split>", a text value
// that TensorBoard's text plugin shows as a table) and the parser the dashboard reads it with.
//
//   | true \ predicted | T-shirt | Trouser |
//   |---|---|---|
//   | T-shirt | 812 | 3 |
//   | Trouser | 5 | 960 |
//
// Row = true class, column = predicted class. Class names have "|" replaced by "/".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loom::events {

/// The table of `counts` (classes × classes, row-major).
std::string confusionMarkdown(const std::vector<std::int64_t>& counts,
                              const std::vector<std::string>& classes);
/// Reads a table written by confusionMarkdown(). False (outputs cleared) when `text` is not one.
bool parseConfusionMarkdown(const std::string& text, std::vector<std::string>* classes,
                            std::vector<std::int64_t>* counts);

}  // namespace loom::events
