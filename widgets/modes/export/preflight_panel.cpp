#include "widgets/modes/export/preflight_panel.h"

#include <QBrush>
#include <QColor>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include "engine/core/exception_boundary.h"
#include "widgets/document/document.h"
#include "widgets/shell/background.h"

namespace loom::studio {

namespace {
constexpr int kNodeRole = Qt::UserRole + 1;
}

PreflightPanel::PreflightPanel(Document* document, QWidget* parent)
    : QWidget(parent),
      m_document(document),
      m_summary(new QLabel),
      m_list(new QListWidget),
      m_watcher(new QFutureWatcher<std::vector<OnnxExportProblem>>(this)) {
  m_summary->setObjectName(QStringLiteral("exportPreflightSummary"));
  m_summary->setWordWrap(true);
  m_list->setObjectName(QStringLiteral("exportPreflightList"));
  m_list->setWordWrap(true);
  m_list->setAlternatingRowColors(true);
  m_list->setMinimumHeight(60);
  m_list->setMaximumHeight(160);  // a handful of rows; more scroll
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_summary);
  layout->addWidget(m_list);
  auto activate = [this](QListWidgetItem* item) {
    const QString node = item ? item->data(kNodeRole).toString() : QString();
    if (!node.isEmpty()) emit nodeActivated(node);
  };
  connect(m_list, &QListWidget::itemClicked, this, activate);
  connect(m_list, &QListWidget::itemActivated, this, activate);
  connect(document, &Document::graphChanged, this, &PreflightPanel::schedule);
  connect(document, &Document::modelReset, this, &PreflightPanel::schedule);
  connect(m_watcher, &QFutureWatcherBase::finished, this,
          [this] { showProblems(m_watcher->result(), m_runningRevision); });
  startCheck();
}

PreflightPanel::~PreflightPanel() {
  m_watcher->waitForFinished();
}

void PreflightPanel::setOpset(int opset) {
  if (opset == m_opset) return;
  m_opset = opset;
  schedule();
}

void PreflightPanel::schedule() {
  ++m_wantedRevision;
  if (!m_watcher->isRunning()) startCheck();  // else showProblems() starts the newest afterwards
}

void PreflightPanel::startCheck() {
  m_runningRevision = m_wantedRevision;
  m_summary->setText(tr("Checking every node…"));
  OnnxExportOptions options;
  options.opset = m_opset;
  // The graph and seed only: pre-flight does not read trained values, and copying a big model's
  // parameters on the GUI thread after every edit would cost more than the check.
  // The graph is the document's shared snapshot, copied into a Model on the worker.
  m_watcher->setFuture(
      runInBackground([graph = m_document->graphSnapshot(), name = m_document->model().name,
                       training = m_document->model().training, options] {
        Model model;
        model.name = name;
        model.graph = *graph;
        model.training = training;
        std::vector<OnnxExportProblem> problems;
        const Status st = guarded("export pre-flight", [&] {
          problems = preflightOnnx(model, options);
          return Status::ok();
        });
        if (!st) problems = {{"", "", st.message()}};
        return problems;
      }));
}

void PreflightPanel::showProblems(std::vector<OnnxExportProblem> problems, quint64 revision) {
  m_problems = std::move(problems);
  m_checkedRevision = revision;
  m_list->clear();
  const int nodes = static_cast<int>(m_document->graph().nodes().size());
  if (m_problems.empty()) {
    m_summary->setText(tr("All %1 nodes can be exported at opset %2.").arg(nodes).arg(m_opset));
    auto* ok = new QListWidgetItem(QStringLiteral("✔ ") + tr("Ready to export"));
    ok->setForeground(QColor(0x2e, 0x7d, 0x32));
    m_list->addItem(ok);
  } else {
    m_summary->setText(tr("%n node(s) cannot be exported at opset %1; nothing will be written:",
                          nullptr, static_cast<int>(m_problems.size()))
                           .arg(m_opset));
    for (const OnnxExportProblem& p : m_problems) {
      auto* item =
          new QListWidgetItem(QStringLiteral("✖ ") + QString::fromStdString(describeProblems({p})));
      item->setData(kNodeRole, QString::fromStdString(p.node));
      item->setForeground(QColor(0xc6, 0x28, 0x28));
      item->setToolTip(
          p.node.empty() ? tr("The model as a whole")
                         : tr("Click to select %1 in Design").arg(QString::fromStdString(p.node)));
      m_list->addItem(item);
    }
  }
  emit checked(static_cast<int>(m_problems.size()));
  if (m_wantedRevision != m_checkedRevision) startCheck();
}

}  // namespace loom::studio
