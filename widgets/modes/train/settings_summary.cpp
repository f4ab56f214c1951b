#include "widgets/modes/train/settings_summary.h"

#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "engine/graph/model.h"
#include "engine/proto/loom.pb.h"
#include "engine/train/settings.h"
#include "widgets/document/document.h"
#include "widgets/shell/training_settings_dialog.h"

namespace loom::studio {

/// The settings the rows show (before defaults are applied).
struct SettingsSource {
  pb::TrainingConfig training;
  pb::DatasetConfig dataset;
};

SettingsSummary::SettingsSummary(Document* doc, QWidget* parent)
    : QWidget(parent), m_doc(doc), m_caption(new QLabel), m_tree(new QTreeWidget) {
  m_caption->setObjectName(QStringLiteral("trainSettingsSource"));
  m_caption->setWordWrap(true);
  m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_caption->hide();
  m_tree->setObjectName(QStringLiteral("trainSettingsTree"));
  m_tree->setColumnCount(2);
  m_tree->setHeaderLabels({tr("Setting"), tr("Value")});
  m_tree->setRootIsDecorated(false);
  m_tree->setUniformRowHeights(true);
  m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  auto* edit = new QPushButton(tr("Edit Settings…"));
  edit->setObjectName(QStringLiteral("trainEditSettings"));
  edit->setToolTip(tr("Model → Training Settings…"));
  m_edit = edit;
  connect(edit, &QPushButton::clicked, this, [this] {
    auto* dialog = new TrainingSettingsDialog(m_doc, window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
  });
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_caption);
  layout->addWidget(m_tree);
  layout->addWidget(edit, 0, Qt::AlignRight);
  connect(doc, &Document::trainingSettingsChanged, this, &SettingsSummary::refresh);
  connect(doc, &Document::modelReset, this, &SettingsSummary::refresh);
  connect(doc, &Document::graphChanged, this, [this] {
    if (m_caption->isHidden() != hasModel()) refresh();  // the first node: the model's rows
  });
  connect(doc, &Document::filePathChanged, this, &SettingsSummary::refresh);
  refresh();
}

void SettingsSummary::setEditable(bool editable) {
  m_editable = editable;
  m_edit->setEnabled(editable && hasModel());
}

void SettingsSummary::setRun(const QString& name, const QString& dir) {
  if (name == m_runName && dir == m_runDir) return;
  m_runName = name;
  m_runDir = dir;
  refresh();
}

QString SettingsSummary::source() const {
  return m_caption->isHidden() ? QString() : m_caption->text();
}

bool SettingsSummary::hasModel() const {
  return !m_doc->filePath().isEmpty() || !m_doc->model().graph.nodes().empty();
}

QString SettingsSummary::shownValue(const QString& path) const {
  for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
    const QTreeWidgetItem* item = m_tree->topLevelItem(i);
    if (item->data(0, Qt::UserRole).toString() == path) return item->text(1);
  }
  return {};
}

void SettingsSummary::refresh() {
  m_edit->setEnabled(m_editable && hasModel());
  if (hasModel()) {
    m_caption->hide();
    fill({m_doc->model().training, m_doc->model().dataset});
    return;
  }
  m_caption->show();
  if (m_runDir.isEmpty()) {
    m_caption->setText(tr("No model is open and no run is selected: Loom's defaults."));
    fill({});
    return;
  }
  const QString path = QDir(m_runDir).filePath(QStringLiteral("model.loom"));
  if (!QFileInfo::exists(path)) {
    m_caption->setText(tr("Run %1: its settings are not known (no model.loom in its directory; "
                          "Loom writes one into every run it trains).")
                           .arg(m_runName));
    m_tree->clear();
    return;
  }
  auto model = loadModel(path.toStdString());
  if (!model.hasValue()) {
    m_caption->setText(tr("Run %1: its settings are not known: %2")
                           .arg(m_runName, QString::fromStdString(model.status().message())));
    m_tree->clear();
    return;
  }
  m_caption->setText(tr("Run %1: the settings it was trained with (its model.loom). No model "
                        "is open; File → Open opens one to train.")
                         .arg(m_runName));
  fill({model->training, model->dataset});
}

void SettingsSummary::fill(const SettingsSource& source) {
  pb::TrainingConfig training = source.training;
  pb::DatasetConfig dataset = source.dataset;
  applyTrainingDefaults(training, dataset);
  m_tree->clear();
  std::string group;
  for (const SettingSpec& spec : settingSpecs()) {
    if (spec.type == SettingType::IntList) continue;  // as the dialog: lists have no editor
    if (spec.group != group) {
      group = spec.group;
      auto* header = new QTreeWidgetItem(m_tree, {QString::fromStdString(group)});
      QFont bold = header->font(0);
      bold.setBold(true);
      header->setFont(0, bold);
      header->setFirstColumnSpanned(true);
      header->setFlags(Qt::ItemIsEnabled);
    }
    const SettingValue value = getSetting(spec, training, dataset);
    QString text = QString::fromStdString(settingValueText(value));
    const bool zero = text == QLatin1String("0") || text == QLatin1String("0.0");
    if (zero && !spec.zeroText.empty()) text = QString::fromStdString(spec.zeroText);
    if (!spec.units.empty() && !zero) text += QLatin1Char(' ') + QString::fromStdString(spec.units);
    auto* item = new QTreeWidgetItem(m_tree, {QString::fromStdString(spec.label), text});
    item->setData(0, Qt::UserRole, QString::fromStdString(spec.path));
    item->setToolTip(0, QString::fromStdString(spec.help));
    item->setToolTip(1, QString::fromStdString(spec.path));
    if (!settingApplies(spec, training, dataset)) item->setDisabled(true);
  }
}

}  // namespace loom::studio
