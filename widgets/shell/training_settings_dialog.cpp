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
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <climits>

#include "engine/graph/model.h"
#include "widgets/document/document.h"
#include "widgets/shell/float_spin_box.h"

namespace loom::studio {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

/// The settings with Loom's defaults filled in: what `loom train` would use.
std::pair<pb::TrainingConfig, pb::DatasetConfig> effective(const pb::TrainingConfig& training,
                                                           const pb::DatasetConfig& dataset) {
  Model m;
  m.training = training;
  m.dataset = dataset;
  applyDefaults(m);
  return {m.training, m.dataset};
}

/// Resolves a field path ("training.optimizer.learning_rate") to the message that holds the
/// field (inside `training` or `dataset`, created on the way) and the field itself.
std::pair<Message*, const FieldDescriptor*> locate(pb::TrainingConfig& training,
                                                   pb::DatasetConfig& dataset,
                                                   const QString& path) {
  QStringList parts = path.split(QLatin1Char('.'));
  if (parts.size() < 2) return {nullptr, nullptr};
  Message* msg = nullptr;
  if (parts.front() == QLatin1String("training"))
    msg = &training;
  else if (parts.front() == QLatin1String("dataset"))
    msg = &dataset;
  else
    return {nullptr, nullptr};
  parts.removeFirst();
  while (parts.size() > 1) {
    const FieldDescriptor* f = msg->GetDescriptor()->FindFieldByName(parts.front().toStdString());
    if (!f || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated())
      return {nullptr, nullptr};
    msg = msg->GetReflection()->MutableMessage(msg, f);
    parts.removeFirst();
  }
  const FieldDescriptor* f = msg->GetDescriptor()->FindFieldByName(parts.front().toStdString());
  if (!f || f->is_repeated()) return {nullptr, nullptr};
  return {msg, f};
}

QFormLayout* form(QGroupBox* box) {
  auto* layout = new QFormLayout(box);
  layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  return layout;
}

}  // namespace

TrainingSettingsDialog::TrainingSettingsDialog(Document* doc, QWidget* parent)
    : QDialog(parent),
      m_doc(doc),
      m_training(doc->model().training),
      m_dataset(doc->model().dataset) {
  setObjectName(QStringLiteral("trainingSettingsDialog"));
  setWindowTitle(tr("Training Settings"));

  auto* run = new QGroupBox(tr("Run"), this);
  QFormLayout* runForm = form(run);
  runForm->addRow(tr("Epochs:"), intEditor(QStringLiteral("training.epochs"), 1, INT_MAX));
  runForm->addRow(tr("Batch size:"), intEditor(QStringLiteral("training.batch_size"), 1, INT_MAX));
  runForm->addRow(tr("Seed:"), textEditor(QStringLiteral("training.seed")));
  runForm->addRow(tr("Threads:"),
                  intEditor(QStringLiteral("training.threads"), 0, 4096, tr("all cores")));
  runForm->addRow(tr("Clip gradient norm:"),
                  floatEditor(QStringLiteral("training.clip_grad_norm"), 0, 1e9, 0.5));
  editor(QStringLiteral("training.clip_grad_norm"))->setProperty("specialValueText", tr("off"));
  auto* seed = qobject_cast<QLineEdit*>(editor(QStringLiteral("training.seed")));
  seed->setValidator(
      new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,19}")), seed));
  seed->setToolTip(tr("Initialisation, shuffling and augmentation follow from this number."));

  auto* optimizer = new QGroupBox(tr("Optimizer"), this);
  QFormLayout* optForm = form(optimizer);
  optForm->addRow(tr("Type:"), choiceEditor(QStringLiteral("training.optimizer.type"),
                                            Document::optimizerTypes()));
  optForm->addRow(
      tr("Learning rate:"),
      floatEditor(QStringLiteral("training.optimizer.learning_rate"), 1e-12, 100, 1e-4));
  optForm->addRow(tr("Momentum:"),
                  floatEditor(QStringLiteral("training.optimizer.momentum"), 0, 0.999999, 0.05));
  optForm->addRow(QString(), boolEditor(QStringLiteral("training.optimizer.nesterov"),
                                        tr("Nesterov momentum")));
  optForm->addRow(tr("Weight decay:"),
                  floatEditor(QStringLiteral("training.optimizer.weight_decay"), 0, 100, 1e-4));
  optForm->addRow(tr("Beta 1:"),
                  floatEditor(QStringLiteral("training.optimizer.beta1"), 0, 0.999999, 0.01));
  optForm->addRow(tr("Beta 2:"),
                  floatEditor(QStringLiteral("training.optimizer.beta2"), 0, 0.999999, 0.001));
  optForm->addRow(tr("Epsilon:"),
                  floatEditor(QStringLiteral("training.optimizer.epsilon"), 0, 1, 1e-8));
  optForm->addRow(tr("Rho (RMSprop):"),
                  floatEditor(QStringLiteral("training.optimizer.rho"), 0, 0.999999, 0.01));

  auto* schedule = new QGroupBox(tr("Learning-rate schedule"), this);
  QFormLayout* schedForm = form(schedule);
  schedForm->addRow(tr("Type:"), choiceEditor(QStringLiteral("training.schedule.type"),
                                              Document::scheduleTypes()));
  schedForm->addRow(tr("Step every (epochs):"),
                    intEditor(QStringLiteral("training.schedule.step_epochs"), 0, INT_MAX));
  schedForm->addRow(tr("Gamma:"),
                    floatEditor(QStringLiteral("training.schedule.gamma"), 0, 1e6, 0.05));
  schedForm->addRow(tr("Minimum rate:"),
                    floatEditor(QStringLiteral("training.schedule.min_lr"), 0, 100, 1e-5));
  schedForm->addRow(
      tr("Warm-up steps:"),
      intEditor(QStringLiteral("training.schedule.warmup_steps"), 0, INT_MAX, tr("none")));

  auto* loss = new QGroupBox(tr("Loss && validation"), this);
  QFormLayout* lossForm = form(loss);
  lossForm->addRow(tr("Loss:"),
                   choiceEditor(QStringLiteral("training.loss.type"), Document::lossTypes()));
  lossForm->addRow(tr("Label smoothing:"),
                   floatEditor(QStringLiteral("training.loss.label_smoothing"), 0, 0.999, 0.05));
  lossForm->addRow(tr("Validation fraction:"),
                   floatEditor(QStringLiteral("training.validation_fraction"), 0, 0.99, 0.05));
  lossForm->addRow(
      tr("Early-stopping patience:"),
      intEditor(QStringLiteral("training.early_stopping_patience"), 0, INT_MAX, tr("off")));

  auto* data = new QGroupBox(tr("Data"), this);
  QFormLayout* dataForm = form(data);
  dataForm->addRow(tr("Kind:"),
                   choiceEditor(QStringLiteral("dataset.kind"), Document::datasetKinds()));
  auto* pathRow = new QWidget(data);
  auto* pathLayout = new QHBoxLayout(pathRow);
  pathLayout->setContentsMargins(0, 0, 0, 0);
  pathLayout->addWidget(textEditor(QStringLiteral("dataset.path")), 1);
  auto* browse = new QToolButton(pathRow);
  browse->setObjectName(QStringLiteral("browseDataset"));
  browse->setText(QStringLiteral("…"));
  browse->setToolTip(tr("Choose the IDX directory or the CSV file"));
  pathLayout->addWidget(browse);
  dataForm->addRow(tr("Path:"), pathRow);
  dataForm->addRow(tr("Mean:"), floatEditor(QStringLiteral("dataset.mean"), -1e6, 1e6, 0.01));
  dataForm->addRow(tr("Std:"), floatEditor(QStringLiteral("dataset.std"), 0, 1e6, 0.01));
  dataForm->addRow(
      tr("Random crop padding:"),
      intEditor(QStringLiteral("dataset.augmentation.random_crop_padding"), 0, 1024, tr("off")));
  dataForm->addRow(QString(), boolEditor(QStringLiteral("dataset.augmentation.horizontal_flip"),
                                         tr("Random horizontal flip")));
  dataForm->addRow(tr("Training samples:"),
                   intEditor(QStringLiteral("dataset.train_limit"), 0, INT_MAX, tr("all")));
  dataForm->addRow(tr("Test samples:"),
                   intEditor(QStringLiteral("dataset.test_limit"), 0, INT_MAX, tr("all")));
  connect(browse, &QToolButton::clicked, this, [this] {
    auto* path = qobject_cast<QLineEdit*>(editor(QStringLiteral("dataset.path")));
    const bool csv =
        qobject_cast<QComboBox*>(editor(QStringLiteral("dataset.kind")))->currentText() ==
        QLatin1String("csv");
    const QString chosen =
        csv ? QFileDialog::getOpenFileName(this, tr("CSV Data Set"), path->text(),
                                           tr("CSV files (*.csv);;All files (*)"))
            : QFileDialog::getExistingDirectory(this, tr("IDX Directory"), path->text());
    if (!chosen.isEmpty()) path->setText(chosen);
  });

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

  auto* grid = new QGridLayout;
  grid->addWidget(run, 0, 0);
  grid->addWidget(optimizer, 1, 0, 2, 1);
  grid->addWidget(schedule, 0, 1);
  grid->addWidget(loss, 1, 1);
  grid->addWidget(data, 2, 1);
  grid->setColumnStretch(0, 1);
  grid->setColumnStretch(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(grid);
  layout->addWidget(m_message);
  layout->addWidget(m_buttons);

  for (const char* chooser :
       {"training.optimizer.type", "training.schedule.type", "training.loss.type", "dataset.kind"})
    connect(qobject_cast<QComboBox*>(editor(QString::fromLatin1(chooser))),
            &QComboBox::currentIndexChanged, this, &TrainingSettingsDialog::updateEnabled);
  connect(qobject_cast<QDoubleSpinBox*>(editor(QStringLiteral("training.optimizer.momentum"))),
          &QDoubleSpinBox::valueChanged, this, &TrainingSettingsDialog::updateEnabled);

  showSettings(m_training, m_dataset);
  resize(qMax(sizeHint().width(), 760), sizeHint().height());
}

// ---- editors ------------------------------------------------------------------------------------

QSpinBox* TrainingSettingsDialog::intEditor(const QString& field, int min, int max,
                                            const QString& zeroText) {
  auto* spin = new QSpinBox(this);
  spin->setObjectName(field);
  spin->setRange(min, max);
  if (!zeroText.isEmpty() && min == 0) spin->setSpecialValueText(zeroText);
  spin->setAccelerated(true);
  spin->setToolTip(field);
  m_editors.insert(field, spin);
  return spin;
}

QDoubleSpinBox* TrainingSettingsDialog::floatEditor(const QString& field, double min, double max,
                                                    double step) {
  auto* spin = new FloatSpinBox(this);
  spin->setObjectName(field);
  spin->setDecimals(15);  // QDoubleSpinBox rounds to this: keeps 1e-8 and 0.001 exact
  spin->setRange(min, max);
  spin->setSingleStep(step);
  spin->setToolTip(field);
  m_editors.insert(field, spin);
  return spin;
}

QComboBox* TrainingSettingsDialog::choiceEditor(const QString& field, const QStringList& choices) {
  auto* combo = new QComboBox(this);
  combo->setObjectName(field);
  combo->addItems(choices);
  combo->setToolTip(field);
  m_editors.insert(field, combo);
  return combo;
}

QCheckBox* TrainingSettingsDialog::boolEditor(const QString& field, const QString& text) {
  auto* box = new QCheckBox(text, this);
  box->setObjectName(field);
  box->setToolTip(field);
  m_editors.insert(field, box);
  return box;
}

QLineEdit* TrainingSettingsDialog::textEditor(const QString& field) {
  auto* line = new QLineEdit(this);
  line->setObjectName(field);
  line->setToolTip(field);
  m_editors.insert(field, line);
  return line;
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
    auto [msg, f] = locate(t, d, it.key());
    if (!msg) continue;
    const auto* r = msg->GetReflection();
    QWidget* w = it.value();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        if (auto* spin = qobject_cast<QSpinBox*>(w)) spin->setValue(r->GetInt32(*msg, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        if (auto* line = qobject_cast<QLineEdit*>(w))
          line->setText(QString::number(r->GetUInt64(*msg, f)));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        if (auto* spin = qobject_cast<QDoubleSpinBox*>(w)) spin->setValue(r->GetDouble(*msg, f));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (auto* box = qobject_cast<QCheckBox*>(w)) box->setChecked(r->GetBool(*msg, f));
        break;
      case FieldDescriptor::CPPTYPE_STRING: {
        const QString value = QString::fromStdString(r->GetString(*msg, f));
        if (auto* combo = qobject_cast<QComboBox*>(w)) {
          int index = combo->findText(value, Qt::MatchFixedString);  // files may say "SGD"
          if (index < 0) {  // unknown to the studio: show it, validation will say why
            combo->addItem(value);
            index = combo->count() - 1;
          }
          combo->setCurrentIndex(index);
        } else if (auto* line = qobject_cast<QLineEdit*>(w)) {
          line->setText(value);
          line->setCursorPosition(0);  // a long path shows its start
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_ENUM:
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;  // no such settings field has an editor
    }
  }
  m_message->clear();
  m_message->hide();
  updateEnabled();
}

std::pair<pb::TrainingConfig, pb::DatasetConfig> TrainingSettingsDialog::settings() const {
  // Start from the effective settings so fields without an editor (top_k) are kept.
  auto [t, d] = effective(m_training, m_dataset);
  for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it) {
    auto [msg, f] = locate(t, d, it.key());
    if (!msg) continue;
    const auto* r = msg->GetReflection();
    QWidget* w = it.value();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        if (auto* spin = qobject_cast<QSpinBox*>(w)) r->SetInt32(msg, f, spin->value());
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        if (auto* line = qobject_cast<QLineEdit*>(w))
          r->SetUInt64(msg, f, line->text().toULongLong());
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        if (auto* spin = qobject_cast<QDoubleSpinBox*>(w)) r->SetDouble(msg, f, spin->value());
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        // A disabled check box (Nesterov without sgd) means "off", whatever it shows.
        if (auto* box = qobject_cast<QCheckBox*>(w))
          r->SetBool(msg, f, box->isEnabled() && box->isChecked());
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        if (auto* combo = qobject_cast<QComboBox*>(w))
          r->SetString(msg, f, combo->currentText().toStdString());
        else if (auto* line = qobject_cast<QLineEdit*>(w))
          r->SetString(msg, f, line->text().trimmed().toStdString());
        break;
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_ENUM:
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
  }
  return {t, d};
}

void TrainingSettingsDialog::updateEnabled() {
  auto text = [this](const char* field) {
    return qobject_cast<QComboBox*>(editor(QString::fromLatin1(field)))->currentText();
  };
  auto enable = [this](const char* field, bool on) {
    editor(QString::fromLatin1(field))->setEnabled(on);
  };
  const QString opt = text("training.optimizer.type");
  const bool adamLike = opt == QLatin1String("adam") || opt == QLatin1String("adamw");
  const bool sgd = opt == QLatin1String("sgd");
  const bool rmsprop = opt == QLatin1String("rmsprop");
  const double momentum =
      qobject_cast<QDoubleSpinBox*>(editor(QStringLiteral("training.optimizer.momentum")))->value();
  enable("training.optimizer.momentum", sgd || rmsprop);
  enable("training.optimizer.nesterov", sgd && momentum > 0);
  enable("training.optimizer.beta1", adamLike);
  enable("training.optimizer.beta2", adamLike);
  enable("training.optimizer.epsilon", adamLike || rmsprop);
  enable("training.optimizer.rho", rmsprop);
  const QString sched = text("training.schedule.type");
  enable("training.schedule.step_epochs", sched == QLatin1String("step"));
  enable("training.schedule.gamma", sched == QLatin1String("step"));
  enable("training.schedule.min_lr", sched == QLatin1String("cosine"));
  enable("training.loss.label_smoothing",
         text("training.loss.type") == QLatin1String("softmax_cross_entropy"));
  const bool csv = text("dataset.kind") == QLatin1String("csv");
  enable("dataset.mean", !csv);  // CSV features are used as they are
  enable("dataset.std", !csv);
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
