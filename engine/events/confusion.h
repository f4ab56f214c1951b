// The confusion matrix as the trainer logs it (tag "confusion_matrix/<split>", a text value
// that TensorBoard's text plugin shows as a table) and the parser the dashboard reads it with.
//
//   | true \ predicted | T-shirt | Trouser |
//   |---|---|---|
//   | T-shirt | 812 | 3 |
//   | Trouser | 5 | 960 |
//
// Row = true class, column = predicted class. Class names have "|" replaced by "/".
//
// summarizeConfusion() turns a matrix into the per-class scores the dashboard's Confusion tab
// shows (one computation for the studio and any other reader; tested against scikit-learn's
// precision_recall_fscore_support / accuracy_score, docs/events.md).
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

/// Scores of one class (or an average over classes) from a confusion matrix.
/// A ratio whose denominator is 0 is 0, as scikit-learn's zero_division=0: precision of a
/// class never predicted, recall of a class with no samples, F1 when precision + recall is 0.
struct ClassScores {
  std::string name;
  double precision = 0;        ///< tp / (tp + fp): of the samples predicted as the class
  double recall = 0;           ///< tp / (tp + fn): of the samples of the class
  double f1 = 0;               ///< harmonic mean of precision and recall
  std::int64_t support = 0;    ///< samples whose true class it is (the row sum)
  std::int64_t predicted = 0;  ///< samples predicted as it (the column sum)
  std::int64_t correct = 0;    ///< the diagonal cell
};

struct ConfusionSummary {
  std::vector<ClassScores> classes;  ///< one per row, in order
  std::int64_t total = 0;            ///< samples (the sum of all cells)
  double accuracy = 0;               ///< trace / total (0 when total is 0)
  /// Unweighted mean over all classes of precision, recall and F1 (scikit-learn's "macro";
  /// the F1 is the mean of the per-class F1, not the F1 of the means); support = total.
  ClassScores macro;
  /// The same means weighted by support ("weighted").
  ClassScores weighted;
};

/// The summary of `counts` (classes × classes, row = true class, row-major). Names come from
/// `classes` (missing ones are "0", "1", ...). Negative cells count as 0.
ConfusionSummary summarizeConfusion(const std::vector<std::int64_t>& counts,
                                    const std::vector<std::string>& classes);

}  // namespace loom::events
