#include "widgets/shell/training_settings_dialog.h"

#include <google/protobuf/util/message_differencer.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <climits>
#include <cmath>

#include "engine/train/settings.h"
#include "widgets/document/document.h"
#include "widgets/shell/float_spin_box.h"

namespace loom::studio {

namespace {

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

/// The settings with Loom's defaults filled in: what `loom train` would use.
std::pair<pb::TrainingConfig, pb::DatasetConfig> effective(const pb::TrainingConfig& training,
                                                           const pb::DatasetConfig& dataset) {
  pb::TrainingConfig t = training;
  pb::DatasetConfig d = dataset;
  applyTrainingDefaults(t, d);
  return {t, d};
}

QFormLayout* form(QGroupBox* box) {
  auto* layout = new QFormLayout(box);
  layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  return layout;
}

/// Where each group of the schema sits in the dialog's grid: row, column, row span.
struct GroupPlace {
  const char* group;
  int row, column, rowSpan;
};
constexpr GroupPlace kPlaces[] = {{"Run", 0, 0, 1},      {"Optimizer", 1, 0, 2},
                                  {"Schedule", 0, 1, 1}, {"Loss & validation", 1, 1, 1},
                                  {"Data", 2, 1, 1},     {"Logging", 3, 0, 1}};

/// An editor's limits for a schema range: open ends step inside, unbounded ends stop at 1e9
/// (a spin box needs finite limits).
double editorMin(const SettingRange& r) {
  if (std::isinf(r.min)) return -1e9;
  return r.minOpen ? r.min + 1e-12 * std::max(1.0, std::fabs(r.min)) : r.min;
}
double editorMax(const SettingRange& r) {
  if (std::isinf(r.max)) return 1e9;
  return r.maxOpen ? r.max - 1e-12 * std::max(1.0, std::fabs(r.max)) : r.max;
}

/// The editor's lowest value and the text shown there: a setting whose 0 means "not given"
/// can be set back to 0 ("default", or "not set" where there is no default, as step_epochs).
std::pair<double, QString> editorFloor(const SettingSpec& spec) {
  const double min = editorMin(spec.range);
  if (spec.zeroIsUnset && min > 0)
    return {0.0, spec.defaults.empty() ? QObject::tr("not set") : QObject::tr("default")};
  return {min, min == 0 ? qs(spec.zeroText) : QString()};
}

/// Arrow-key step: a tenth of the default for rates and epsilons, 0.01 within [0, 1].
double editorStep(const SettingSpec& spec) {
  if (spec.range.min >= 0 && spec.range.max <= 1) return 0.01;
  if (!spec.defaults.empty())
    if (const double* d = std::get_if<double>(&spec.defaults.front().second); d && *d > 0)
      return *d / 10;
  return 0.1;
}

}  // namespace

TrainingSettingsDialog::TrainingSettingsDialog(Document* doc, QWidget* parent)
    : QDialog(parent),
      m_doc(doc),
      m_training(doc->model().training),
      m_dataset(doc->model().dataset) {
  setObjectName(QStringLiteral("trainingSettingsDialog"));
  setWindowTitle(tr("Training Settings"));

  auto* grid = new QGridLayout;
  QHash<QString, QFormLayout*> forms;
  for (const GroupPlace& place : kPlaces) {
    const QString name = QString::fromLatin1(place.group);
    auto* box = new QGroupBox(QString(name).replace(QLatin1String("&"), QLatin1String("&&")), this);
    forms.insert(name, form(box));
    grid->addWidget(box, place.row, place.column, place.rowSpan, 1);
  }
  for (const SettingSpec& spec : settingSpecs()) {
    QFormLayout* layout = forms.value(qs(spec.group));
    Q_ASSERT_X(layout, "TrainingSettingsDialog", "a settings group without a place");
    QWidget* editor = layout ? createEditor(spec) : nullptr;
    if (!editor) continue;
    // Browse only where the schema says the text is a path (a node name has nothing to browse).
    const bool path = spec.type == SettingType::Text && spec.textKind == TextKind::Path;
    if (spec.type == SettingType::Bool)
      layout->addRow(QString(), editor);
    else
      layout->addRow(qs(spec.label) + QLatin1Char(':'),
                     path ? pathRow(editor, layout->parentWidget()) : editor);
  }
  grid->setColumnStretch(0, 1);
  grid->setColumnStretch(1, 1);

  m_message = new QLabel(this);
  m_message->setObjectName(QStringLiteral("trainingSettingsMessage"));
  m_message->setWordWrap(true);
  m_message->setStyleSheet(QStringLiteral("color: #c0392b;"));
  m_message->hide();

  m_buttons = new QDialogButtonBox(
      QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
  connect(m_buttons, &QDialogButtonBox::accepted, this, &TrainingSettingsDialog::accept);
  connect(m_buttons, &QDialogButtonBox::rejected, this, &TrainingSettingsDialog::reject);
  connect(m_buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
          [this] { showSettings({}, {}); });
  // Enter in a field must not close the dialog by accident: only the OK button applies.
  for (QAbstractButton* b : m_buttons->buttons())
    if (auto* push = qobject_cast<QPushButton*>(b)) push->setAutoDefault(false);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(grid);
  layout->addWidget(m_message);
  layout->addWidget(m_buttons);

  // Re-evaluate the enabled-when rules whenever a setting they look at changes.
  for (const SettingSpec& spec : settingSpecs())
    for (const SettingCondition& c : spec.appliesWhen) {
      QWidget* w = editor(qs(c.path));
      if (auto* combo = qobject_cast<QComboBox*>(w))
        connect(combo, &QComboBox::currentIndexChanged, this,
                &TrainingSettingsDialog::updateEnabled, Qt::UniqueConnection);
      else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(w))
        connect(dspin, &QDoubleSpinBox::valueChanged, this, &TrainingSettingsDialog::updateEnabled,
                Qt::UniqueConnection);
      else if (auto* spin = qobject_cast<QSpinBox*>(w))
        connect(spin, &QSpinBox::valueChanged, this, &TrainingSettingsDialog::updateEnabled,
                Qt::UniqueConnection);
    }

  showSettings(m_training, m_dataset);
  resize(qMax(sizeHint().width(), 760), sizeHint().height());
}

// ---- editors ------------------------------------------------------------------------------------

QWidget* TrainingSettingsDialog::createEditor(const SettingSpec& spec) {
  const QString field = qs(spec.path);
  QWidget* editor = nullptr;
  switch (spec.type) {
    case SettingType::Int: {
      auto* spin = new QSpinBox(this);
      const auto [min, minText] = editorFloor(spec);
      spin->setRange(static_cast<int>(std::ceil(min)),
                     static_cast<int>(std::min(editorMax(spec.range), double{INT_MAX})));
      spin->setSpecialValueText(minText);
      spin->setAccelerated(true);
      editor = spin;
      break;
    }
    case SettingType::Float: {
      auto* spin = new FloatSpinBox(this);
      spin->setDecimals(15);  // QDoubleSpinBox rounds to this: keeps 1e-8 and 0.001 exact
      const auto [min, minText] = editorFloor(spec);
      spin->setRange(min, editorMax(spec.range));
      spin->setSingleStep(editorStep(spec));
      spin->setSpecialValueText(minText);
      editor = spin;
      break;
    }
    case SettingType::Seed: {
      auto* line = new QLineEdit(this);
      // 19 digits stay below 2^64; the schema refuses 0 (it means "the default").
      line->setValidator(
          new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,19}")), line));
      editor = line;
      break;
    }
    case SettingType::Bool:
      editor = new QCheckBox(qs(spec.label), this);
      break;
    case SettingType::Name: {
      auto* combo = new QComboBox(this);
      for (const std::string& name : settingNames(spec)) combo->addItem(qs(name));
      editor = combo;
      break;
    }
    case SettingType::Text: {
      auto* line = new QLineEdit(this);
      if (spec.textKind == TextKind::Node) line->setPlaceholderText(tr("node name (empty: none)"));
      editor = line;
      break;
    }
    case SettingType::IntList:
      return nullptr;  // top_k: edited in the file only
  }
  editor->setObjectName(field);
  editor->setToolTip(qs(spec.help) + QStringLiteral("\n") + field);
  m_editors.insert(field, editor);
  return editor;
}

QWidget* TrainingSettingsDialog::pathRow(QWidget* editor, QWidget* parent) {
  auto* row = new QWidget(parent);
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(editor, 1);
  auto* browse = new QToolButton(row);
  browse->setObjectName(QStringLiteral("browseDataset"));
  browse->setText(QStringLiteral("…"));
  browse->setToolTip(tr("Choose the IDX directory or the CSV file"));
  layout->addWidget(browse);
  auto* path = qobject_cast<QLineEdit*>(editor);
  connect(browse, &QToolButton::clicked, this, [this, path] {
    const bool csv =
        qobject_cast<QComboBox*>(this->editor(QStringLiteral("dataset.kind")))->currentText() ==
        QLatin1String("csv");
    const QString chosen =
        csv ? QFileDialog::getOpenFileName(this, tr("CSV Data Set"), path->text(),
                                           tr("CSV files (*.csv);;All files (*)"))
            : QFileDialog::getExistingDirectory(this, tr("IDX Directory"), path->text());
    if (!chosen.isEmpty()) path->setText(chosen);
  });
  return row;
}

QWidget* TrainingSettingsDialog::editor(const QString& field) const {
  return m_editors.value(field);
}

QString TrainingSettingsDialog::message() const {
  return m_message->text();
}

// ---- settings <-> editors -----------------------------------------------------------------------

void TrainingSettingsDialog::showSettings(const pb::TrainingConfig& training,
                                          const pb::DatasetConfig& dataset) {
  auto [t, d] = effective(training, dataset);
  for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it) {
    const SettingSpec* spec = findSetting(it.key().toStdString());
    const SettingValue value = getSetting(*spec, t, d);
    QWidget* w = it.value();
    if (auto* spin = qobject_cast<QSpinBox*>(w)) {
      spin->setValue(static_cast<int>(std::get<std::int64_t>(value)));
    } else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(w)) {
      dspin->setValue(std::get<double>(value));
    } else if (auto* box = qobject_cast<QCheckBox*>(w)) {
      box->setChecked(std::get<bool>(value));
    } else if (auto* combo = qobject_cast<QComboBox*>(w)) {
      const QString name = qs(std::get<std::string>(value));  // canonical, when known
      int index = combo->findText(name);
      if (index < 0) {  // unknown to the schema: show it, validation will say why
        combo->addItem(name);
        index = combo->count() - 1;
      }
      combo->setCurrentIndex(index);
    } else if (auto* line = qobject_cast<QLineEdit*>(w)) {
      line->setText(qs(settingValueText(value)));
      line->setCursorPosition(0);  // a long path shows its start
    }
  }
  m_message->clear();
  m_message->hide();
  updateEnabled();
}

std::pair<pb::TrainingConfig, pb::DatasetConfig> TrainingSettingsDialog::settings() const {
  // Start from the effective settings so settings without an editor (top_k) are kept.
  auto [t, d] = effective(m_training, m_dataset);
  for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it) {
    const SettingSpec& spec = *findSetting(it.key().toStdString());
    QWidget* w = it.value();
    SettingValue value;
    if (auto* spin = qobject_cast<QSpinBox*>(w))
      value = std::int64_t{spin->value()};
    else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(w))
      value = dspin->value();
    else if (auto* box = qobject_cast<QCheckBox*>(w))
      // A disabled check box the schema refuses where unused (Nesterov without sgd) is off.
      value = box->isChecked() && (box->isEnabled() || !spec.refusedWhenNotApplies);
    else if (auto* combo = qobject_cast<QComboBox*>(w))
      value = combo->currentText().toStdString();
    else if (auto* line = qobject_cast<QLineEdit*>(w); line && spec.type == SettingType::Seed)
      value = std::uint64_t{line->text().toULongLong()};
    else if (line)
      value = line->text().trimmed().toStdString();
    setSetting(spec, value, t, d);
  }
  return {t, d};
}

void TrainingSettingsDialog::updateEnabled() {
  // The rules look at the effective values the editors show; a check box's own state plays
  // no part in any rule, so reading settings() here is not circular.
  auto [t, d] = settings();
  applyTrainingDefaults(t, d);
  for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it)
    it.value()->setEnabled(settingApplies(*findSetting(it.key().toStdString()), t, d));
}

void TrainingSettingsDialog::accept() {
  auto [t, d] = settings();
  const auto before = effective(m_training, m_dataset);
  const auto after = effective(t, d);
  using google::protobuf::util::MessageDifferencer;
  if (MessageDifferencer::Equals(before.first, after.first) &&
      MessageDifferencer::Equals(before.second, after.second)) {
    QDialog::accept();  // nothing changed: no edit, the file keeps its form
    return;
  }
  const Status status = m_doc->setTrainingSettings(t, d);
  if (!status.isOk()) {
    m_message->setText(QString::fromStdString(status.message()));
    m_message->show();
    return;
  }
  QDialog::accept();
}

}  // namespace loom::studio
