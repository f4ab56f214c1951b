#include "widgets/modes/train/settings_summary.h"

#include <QHeaderView>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "engine/proto/loom.pb.h"
#include "engine/train/settings.h"
#include "widgets/document/document.h"
#include "widgets/shell/training_settings_dialog.h"

namespace loom::studio {

SettingsSummary::SettingsSummary(Document* doc, QWidget* parent)
    : QWidget(parent), m_doc(doc), m_tree(new QTreeWidget) {
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
  layout->addWidget(m_tree);
  layout->addWidget(edit, 0, Qt::AlignRight);
  connect(doc, &Document::trainingSettingsChanged, this, &SettingsSummary::refresh);
  connect(doc, &Document::modelReset, this, &SettingsSummary::refresh);
  refresh();
}

void SettingsSummary::setEditable(bool editable) {
  m_edit->setEnabled(editable);
}

QString SettingsSummary::shownValue(const QString& path) const {
  for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
    const QTreeWidgetItem* item = m_tree->topLevelItem(i);
    if (item->data(0, Qt::UserRole).toString() == path) return item->text(1);
  }
  return {};
}

void SettingsSummary::refresh() {
  pb::TrainingConfig training = m_doc->model().training;
  pb::DatasetConfig dataset = m_doc->model().dataset;
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
