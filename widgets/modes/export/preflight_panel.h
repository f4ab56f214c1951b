// PreflightPanel: the Export mode's pre-flight list — every node of the document's model that
// cannot be exported at the chosen opset, with the exporter's reason (loom::preflightOnnx,
// the same check `loom export` runs first), or one row saying that every node exports.
//
// The check runs off the GUI thread after every graph change and opset change (bursts coalesce:
// at most one check runs, and one more follows with the newest graph). Activating a problem row
// (click or Enter) emits nodeActivated() with its node; rows of the model as a whole (no Input,
// several inputs) have no node.
#pragma once

#include <QFutureWatcher>
#include <QWidget>
#include <vector>

#include "engine/interop/onnx_export.h"

class QLabel;
class QListWidget;

namespace loom::studio {

class Document;

class PreflightPanel : public QWidget {
  Q_OBJECT

 public:
  explicit PreflightPanel(Document* document, QWidget* parent = nullptr);
  ~PreflightPanel() override;

  /// Re-checks at `opset` (one of kOnnxOpsets).
  void setOpset(int opset);
  /// The problems of the latest finished check (empty: the model exports).
  const std::vector<OnnxExportProblem>& problems() const { return m_problems; }
  /// True when the latest finished check describes the current graph and opset.
  bool isCurrent() const { return m_checkedRevision == m_wantedRevision; }
  QListWidget* list() const { return m_list; }

 signals:
  /// A problem row was activated; `node` is the node to show.
  void nodeActivated(const QString& node);
  /// A check finished (problems() and the list are updated).
  void checked(int problems);

 private:
  void schedule();
  void startCheck();
  void showProblems(std::vector<OnnxExportProblem> problems, quint64 revision);

  Document* m_document;
  QLabel* m_summary;
  QListWidget* m_list;
  QFutureWatcher<std::vector<OnnxExportProblem>>* m_watcher;
  std::vector<OnnxExportProblem> m_problems;
  int m_opset = 13;
  quint64 m_wantedRevision = 1, m_checkedRevision = 0, m_runningRevision = 0;
};

}  // namespace loom::studio
