// PointsPanel (the "Points" dock): which layout is shown, what colours the points (a metadata
// column, with its legend), the regex search over metadata, and the selection buttons. It holds
// no data: the mode fills it and listens to its signals.
#pragma once

#include <QWidget>
#include <cstdint>
#include <vector>

#include "widgets/modes/embeddings/point_style.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTimer;

namespace loom::studio {

class PointsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit PointsPanel(QWidget* parent = nullptr);

  /// The layouts to choose from (LayoutTrack names) and the current one; emits nothing.
  void setTracks(const QStringList& names, int current);
  /// The metadata columns (empty: no metadata); selects `current` (-1: none). Emits nothing.
  void setColumns(const QStringList& columns, int current);
  void setLegend(const std::vector<LegendEntry>& legend, bool numeric);
  /// "matches / total", or the pattern's error in red.
  void setMatchCount(std::int64_t matches, std::int64_t total);
  void setSearchError(const QString& message);
  void setSelectionCount(std::int64_t selected, std::int64_t total);

  QComboBox* trackBox() const { return m_track; }
  QComboBox* colorBox() const { return m_color; }
  QComboBox* searchColumnBox() const { return m_searchColumn; }
  QLineEdit* searchEdit() const { return m_search; }
  QListWidget* legend() const { return m_legend; }
  QLabel* matchLabel() const { return m_matches; }
  QPushButton* selectMatchesButton() const { return m_selectMatches; }
  QPushButton* clearSelectionButton() const { return m_clear; }

 signals:
  void trackChosen(int index);
  /// -1: one colour for all.
  void colorColumnChosen(int column);
  /// After typing pauses (150 ms): the pattern and its column (-1: any column).
  void searchChanged(int column, const QString& pattern);
  void selectMatchesClicked();
  void clearSelectionClicked();

 private:
  QComboBox* m_track;
  QComboBox* m_color;
  QListWidget* m_legend;
  QComboBox* m_searchColumn;
  QLineEdit* m_search;
  QLabel* m_matches;
  QLabel* m_selection;
  QPushButton* m_selectMatches;
  QPushButton* m_clear;
  QTimer* m_searchDelay;
};

}  // namespace loom::studio
