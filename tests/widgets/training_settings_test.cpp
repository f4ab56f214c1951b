// Training settings: Document::setTrainingSettings (one undo step, undo/redo give back the exact
// file bytes, invalid values refused with a message naming the field and the value, nothing
// changed by a refusal) and the Training Settings dialog (shows the effective settings,
// disables editors the chosen optimizer/schedule ignores, OK is one undoable edit, OK with
// nothing changed is none, a refused OK keeps the dialog open with the reason). Expected
// values come from an independent parse of the files written. Offscreen (FORMATS.md §5.2).
//
// LOOM_TRAINING_SETTINGS_SCREENSHOT=<png>: also grab the dialog into that file (docs).
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>
#include <cmath>
#include <functional>

#include "engine/graph/model.h"
#include "engine/train/settings.h"
#include "widgets/document/document.h"
#include "widgets/shell/autosave.h"
#include "widgets/shell/main_window.h"
#include "widgets/shell/training_settings_dialog.h"

using namespace loom;
using namespace loom::studio;

namespace {

const QString kExample = QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/cnn.loom");

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray serialized(Document* doc) {
  return QByteArray::fromStdString(doc->serialized());
}

template <typename W>
W* editorOf(TrainingSettingsDialog* dialog, const char* field) {
  return qobject_cast<W*>(dialog->editor(QString::fromLatin1(field)));
}

/// Model → Training Settings… (the action), then the dialog it opened.
TrainingSettingsDialog* openDialog(MainWindow& window) {
  auto* action = window.findChild<QAction*>(QStringLiteral("actionTrainingSettings"));
  if (!action) return nullptr;
  action->trigger();
  QCoreApplication::processEvents();
  for (auto* d : window.findChildren<TrainingSettingsDialog*>())
    if (d->isVisible()) return d;  // closed ones may wait for deletion
  return nullptr;
}

void retype(QWidget* editor, const QString& text) {
  QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
  QTest::keyClicks(editor, text);
}

}  // namespace

class TrainingSettingsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Training Settings Test"));
    QSettings().clear();
  }

  // Undo and redo of a settings change restore the exact bytes of the files written.
  void undoRedoRestoreTheExactFile() {
    QTemporaryDir dir;
    Document doc;
    QVERIFY(doc.load(kExample).isOk());
    const QString path = dir.filePath(QStringLiteral("cnn.loom"));
    QVERIFY(doc.save(path).isOk());
    const QByteArray original = readAll(path);
    QCOMPARE(serialized(&doc), original);

    QSignalSpy changed(&doc, &Document::trainingSettingsChanged);
    const int steps = doc.undoStack()->count();
    pb::TrainingConfig t = doc.model().training;
    pb::DatasetConfig d = doc.model().dataset;
    t.set_epochs(3);
    t.mutable_optimizer()->set_type("sgd");
    t.mutable_optimizer()->set_learning_rate(0.05);
    t.mutable_optimizer()->set_momentum(0.9);
    t.mutable_optimizer()->set_nesterov(true);
    t.mutable_schedule()->set_type("step");
    t.mutable_schedule()->set_step_epochs(2);
    t.set_validation_fraction(0.1);
    d.set_train_limit(1000);
    d.mutable_augmentation()->set_horizontal_flip(false);
    const Status set = doc.setTrainingSettings(t, d);
    QVERIFY2(set.isOk(), set.message().c_str());
    QCOMPARE(doc.undoStack()->count(), steps + 1);
    QCOMPARE(changed.count(), 1);
    QVERIFY(doc.isModified());
    QVERIFY(doc.graph() == loadModel(path.toStdString())->graph);  // the graph is untouched

    const QString editedPath = dir.filePath(QStringLiteral("edited.loom"));
    QVERIFY(doc.save(editedPath).isOk());
    const QByteArray edited = readAll(editedPath);
    QVERIFY(edited != original);
    // An independent parse of the written file has the new values.
    auto reread = loadModel(editedPath.toStdString());
    QVERIFY(reread);
    QCOMPARE(reread->training.epochs(), 3);
    QCOMPARE(reread->training.optimizer().type(), std::string("sgd"));
    QCOMPARE(reread->training.optimizer().momentum(), 0.9);
    QVERIFY(reread->training.optimizer().nesterov());
    QCOMPARE(reread->training.schedule().step_epochs(), 2);
    QCOMPARE(reread->training.validation_fraction(), 0.1);
    QCOMPARE(reread->dataset.train_limit(), 1000);
    QVERIFY(!reread->dataset.augmentation().horizontal_flip());
    QCOMPARE(reread->training.seed(), std::uint64_t{1});  // kept from the example

    doc.undoStack()->undo();
    QCOMPARE(serialized(&doc), original);
    QCOMPARE(changed.count(), 2);
    QVERIFY(doc.isModified());  // the document was saved as `edited` since
    doc.undoStack()->redo();
    QCOMPARE(serialized(&doc), edited);
    QVERIFY(!doc.isModified());
    doc.undoStack()->undo();
    QCOMPARE(serialized(&doc), original);

    // Setting what is already there is no edit.
    QVERIFY(doc.setTrainingSettings(doc.model().training, doc.model().dataset).isOk());
    QCOMPARE(doc.undoStack()->index(), steps);
  }

  // Out-of-range values and unknown names are refused, the message names the field and the
  // value, and the document does not change.
  void invalidValuesAreRefused() {
    Document doc;
    QVERIFY(doc.load(kExample).isOk());
    const QByteArray before = serialized(&doc);
    QSignalSpy changed(&doc, &Document::trainingSettingsChanged);
    struct Case {
      const char* field;
      const char* value;  // as the message must show it
      std::function<void(pb::TrainingConfig&, pb::DatasetConfig&)> edit;
    };
    const std::vector<Case> cases = {
        // (0 in a setting with a default means "not given", as in a file: see
        // zeroMeansTheDefaultAsInAFile; negative values are refused.)
        {"training.epochs", "-1", [](auto& t, auto&) { t.set_epochs(-1); }},
        {"training.batch_size", "-4", [](auto& t, auto&) { t.set_batch_size(-4); }},
        {"training.optimizer.learning_rate", "-inf",
         [](auto& t, auto&) { t.mutable_optimizer()->set_learning_rate(-INFINITY); }},
        {"training.optimizer.learning_rate", "-0.1",
         [](auto& t, auto&) { t.mutable_optimizer()->set_learning_rate(-0.1); }},
        {"training.optimizer.learning_rate", "nan",
         [](auto& t, auto&) { t.mutable_optimizer()->set_learning_rate(std::nan("")); }},
        {"training.optimizer.type", "adamax",
         [](auto& t, auto&) { t.mutable_optimizer()->set_type("adamax"); }},
        {"training.optimizer.momentum", "-0.5",
         [](auto& t, auto&) { t.mutable_optimizer()->set_momentum(-0.5); }},
        {"training.optimizer.beta1", "1",
         [](auto& t, auto&) { t.mutable_optimizer()->set_beta1(1.0); }},
        {"training.optimizer.nesterov", "adam",
         [](auto& t, auto&) { t.mutable_optimizer()->set_nesterov(true); }},
        {"training.schedule.type", "linear",
         [](auto& t, auto&) { t.mutable_schedule()->set_type("linear"); }},
        {"training.schedule.step_epochs", "0",
         [](auto& t, auto&) { t.mutable_schedule()->set_type("step"); }},
        {"training.schedule.warmup_steps", "-1",
         [](auto& t, auto&) { t.mutable_schedule()->set_warmup_steps(-1); }},
        {"training.loss.type", "hinge",
         [](auto& t, auto&) { t.mutable_loss()->set_type("hinge"); }},
        {"training.loss.label_smoothing", "1",
         [](auto& t, auto&) { t.mutable_loss()->set_label_smoothing(1.0); }},
        {"training.validation_fraction", "1.5",
         [](auto& t, auto&) { t.set_validation_fraction(1.5); }},
        {"training.early_stopping_patience", "-2",
         [](auto& t, auto&) { t.set_early_stopping_patience(-2); }},
        {"training.threads", "-1", [](auto& t, auto&) { t.set_threads(-1); }},
        {"dataset.kind", "imagenet", [](auto&, auto& d) { d.set_kind("imagenet"); }},
        {"dataset.augmentation.random_crop_padding", "-3",
         [](auto&, auto& d) { d.mutable_augmentation()->set_random_crop_padding(-3); }},
        {"dataset.train_limit", "-10", [](auto&, auto& d) { d.set_train_limit(-10); }},
        {"dataset.std", "-1", [](auto&, auto& d) { d.set_std(-1); }},
    };
    for (const Case& c : cases) {
      pb::TrainingConfig t = doc.model().training;
      pb::DatasetConfig d = doc.model().dataset;
      c.edit(t, d);
      const Status status = doc.setTrainingSettings(t, d);
      const QString message = QString::fromStdString(status.message());
      QVERIFY2(!status.isOk(), c.field);
      QVERIFY2(message.contains(QLatin1String(c.field)), qPrintable(message));
      QVERIFY2(message.contains(QLatin1String(c.value)), qPrintable(message));
      QCOMPARE(serialized(&doc), before);
    }
    QCOMPARE(doc.undoStack()->count(), 0);
    QCOMPARE(changed.count(), 0);
    QVERIFY(!doc.isModified());
  }

  // The studio refuses what the engine refuses, with the engine's message: before the settings
  // schema the Document accepted gamma above 1 and a cosine floor above the rate, which
  // `loom train` then refused.
  void gammaAboveOneIsRefusedWithTheEnginesMessage() {
    Document doc;
    QVERIFY(doc.load(kExample).isOk());
    const QByteArray before = serialized(&doc);
    pb::TrainingConfig t = doc.model().training;
    t.mutable_schedule()->set_type("step");
    t.mutable_schedule()->set_step_epochs(2);
    t.mutable_schedule()->set_gamma(1.5);
    const Status refused = doc.setTrainingSettings(t, doc.model().dataset);
    QVERIFY(!refused.isOk());
    QCOMPARE(QString::fromStdString(refused.message()),
             QStringLiteral("training.schedule.gamma must be in (0, 1], got 1.5"));
    QCOMPARE(refused.message(), loom::validateTrainingSettings(t, doc.model().dataset).message());
    QCOMPARE(serialized(&doc), before);

    pb::TrainingConfig cosine = doc.model().training;  // the example: adam 0.001, cosine
    cosine.mutable_schedule()->set_min_lr(0.01);
    const Status floor = doc.setTrainingSettings(cosine, doc.model().dataset);
    QCOMPARE(floor.message(),
             loom::validateTrainingSettings(cosine, doc.model().dataset).message());
    QVERIFY2(
        QString::fromStdString(floor.message()).contains(QLatin1String("training.schedule.min_lr")),
        floor.message().c_str());
    QCOMPARE(serialized(&doc), before);
  }

  // One rule for "not given" in the Document and in a file: 0 in a setting with a default
  // means the default; the dialog then shows the value training uses.
  void zeroMeansTheDefaultAsInAFile() {
    QTemporaryDir dir;
    Document doc;
    QVERIFY(doc.load(kExample).isOk());
    pb::TrainingConfig t = doc.model().training;
    t.set_epochs(0);
    t.mutable_optimizer()->set_type("rmsprop");
    t.mutable_optimizer()->set_learning_rate(0);
    const Status set = doc.setTrainingSettings(t, doc.model().dataset);
    QVERIFY2(set.isOk(), set.message().c_str());
    const QString path = dir.filePath(QStringLiteral("zero.loom"));
    QVERIFY(doc.save(path).isOk());
    Model reread = *loadModel(path.toStdString());
    applyDefaults(reread);
    QCOMPARE(reread.training.epochs(), 10);
    QCOMPARE(reread.training.optimizer().learning_rate(), 0.01);  // RMSprop's own default
    TrainingSettingsDialog dialog(&doc);
    QCOMPARE(editorOf<QSpinBox>(&dialog, "training.epochs")->value(), 10);
    QCOMPARE(editorOf<QDoubleSpinBox>(&dialog, "training.optimizer.learning_rate")->value(), 0.01);
  }

  // Names match in any case, as in `loom train`; the dialog shows the canonical spelling.
  void namesMatchInAnyCase() {
    Document doc;
    QVERIFY(doc.load(kExample).isOk());
    pb::TrainingConfig t = doc.model().training;
    t.mutable_optimizer()->set_type("SGD");
    t.mutable_optimizer()->set_momentum(0.9);
    t.mutable_optimizer()->set_nesterov(true);
    t.mutable_schedule()->set_type("Step");
    t.mutable_schedule()->set_step_epochs(1);
    const Status set = doc.setTrainingSettings(t, doc.model().dataset);
    QVERIFY2(set.isOk(), set.message().c_str());
    TrainingSettingsDialog dialog(&doc);
    QCOMPARE(editorOf<QComboBox>(&dialog, "training.optimizer.type")->currentText(),
             QStringLiteral("sgd"));
    QVERIFY(editorOf<QCheckBox>(&dialog, "training.optimizer.nesterov")->isEnabled());
    QVERIFY(editorOf<QCheckBox>(&dialog, "training.optimizer.nesterov")->isChecked());
    QVERIFY(dialog.editor(QStringLiteral("training.schedule.gamma"))->isEnabled());
  }

  // The editors' limits, choices and enabled-when rules are the schema's (before it, gamma
  // went to 1e6 and threads to 4096 in the dialog while the engine stopped at 1 and no limit).
  void dialogEditorsFollowTheSchema() {
    Document doc;
    QVERIFY(doc.load(kExample).isOk());
    TrainingSettingsDialog dialog(&doc);
    QCOMPARE(editorOf<QDoubleSpinBox>(&dialog, "training.schedule.gamma")->maximum(), 1.0);
    QCOMPARE(editorOf<QSpinBox>(&dialog, "training.threads")->maximum(), 1024);
    QCOMPARE(editorOf<QSpinBox>(&dialog, "training.threads")->specialValueText(),
             QStringLiteral("idle cores"));
    auto* optimizer = editorOf<QComboBox>(&dialog, "training.optimizer.type");
    QStringList names;
    for (int i = 0; i < optimizer->count(); ++i) names << optimizer->itemText(i);
    QCOMPARE(names, (QStringList{QStringLiteral("sgd"), QStringLiteral("adam"),
                                 QStringLiteral("adamw"), QStringLiteral("rmsprop")}));
    // Every setting but the top-k list has an editor, and each one's path is a schema path.
    for (const SettingSpec& spec : settingSpecs())
      QCOMPARE(dialog.editor(QString::fromStdString(spec.path)) != nullptr,
               spec.type != SettingType::IntList);
    // Early stopping needs a validation split.
    QWidget* patience = dialog.editor(QStringLiteral("training.early_stopping_patience"));
    QVERIFY(!patience->isEnabled());
    retype(dialog.editor(QStringLiteral("training.validation_fraction")), QStringLiteral("0.1"));
    QVERIFY(patience->isEnabled());
    // A value out of the schema's range cannot be typed.
    retype(dialog.editor(QStringLiteral("training.threads")), QStringLiteral("5000"));
    QVERIFY(editorOf<QSpinBox>(&dialog, "training.threads")->value() <= 1024);
    // A Browse button beside each path-like text setting (dataset.path) and none beside a node
    // name (training.freeze_until): the schema's TextKind decides.
    int paths = 0;
    for (const SettingSpec& spec : settingSpecs())
      paths += spec.type == SettingType::Text && spec.textKind == TextKind::Path;
    QCOMPARE(dialog.findChildren<QToolButton*>(QStringLiteral("browseDataset")).size(), paths);
    QWidget* freeze = dialog.editor(QStringLiteral("training.freeze_until"));
    QVERIFY(freeze);
    QVERIFY(freeze->parentWidget()->findChildren<QToolButton*>().isEmpty());
  }

  // The dialog shows the effective settings, enables what the choices use, and OK / undo.
  void dialogEditsAreOneUndoStep() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("cnn.loom"));
    QVERIFY(QFile::copy(kExample, path));
    MainWindowOptions options;
    options.autosaveDirectory = dir.filePath(QStringLiteral("autosave"));
    MainWindow window(options);
    window.resize(1200, 800);
    window.show();
    QVERIFY(window.openFile(path));
    QVERIFY(window.save());
    const QByteArray saved = readAll(path);
    Document* doc = window.document();

    QPointer<TrainingSettingsDialog> dialog = openDialog(window);
    QVERIFY(dialog);

    // Effective values: the file's own and Loom's defaults for what it leaves out.
    QCOMPARE(editorOf<QSpinBox>(dialog, "training.epochs")->value(), 10);
    QCOMPARE(editorOf<QLineEdit>(dialog, "training.seed")->text(), QStringLiteral("1"));
    QCOMPARE(editorOf<QComboBox>(dialog, "training.optimizer.type")->currentText(),
             QStringLiteral("adam"));
    QCOMPARE(editorOf<QDoubleSpinBox>(dialog, "training.optimizer.learning_rate")->value(), 0.001);
    QCOMPARE(editorOf<QDoubleSpinBox>(dialog, "training.optimizer.beta1")->value(), 0.9);
    QCOMPARE(editorOf<QComboBox>(dialog, "training.schedule.type")->currentText(),
             QStringLiteral("cosine"));
    QCOMPARE(editorOf<QComboBox>(dialog, "training.loss.type")->currentText(),
             QStringLiteral("softmax_cross_entropy"));
    QCOMPARE(editorOf<QSpinBox>(dialog, "dataset.augmentation.random_crop_padding")->value(), 2);
    QVERIFY(editorOf<QCheckBox>(dialog, "dataset.augmentation.horizontal_flip")->isChecked());
    QCOMPARE(editorOf<QLineEdit>(dialog, "dataset.path")->text(),
             QStringLiteral("/usr/share/datasets/fashion-mnist"));

    if (const QString shot = qEnvironmentVariable("LOOM_TRAINING_SETTINGS_SCREENSHOT");
        !shot.isEmpty()) {
      QTest::qWait(200);
      QVERIFY(dialog->grab().save(shot));
    }

    // Adam with a cosine schedule: betas and the cosine floor on, momentum and step off.
    auto enabled = [&](const char* f) {
      return dialog->editor(QString::fromLatin1(f))->isEnabled();
    };
    QVERIFY(enabled("training.optimizer.beta1"));
    QVERIFY(enabled("training.schedule.min_lr"));
    QVERIFY(!enabled("training.optimizer.momentum"));
    QVERIFY(!enabled("training.optimizer.nesterov"));
    QVERIFY(!enabled("training.optimizer.rho"));
    QVERIFY(!enabled("training.schedule.step_epochs"));
    QVERIFY(!enabled("training.schedule.gamma"));
    // SGD with a step schedule: the other way round; Nesterov once there is momentum.
    QTest::keyClicks(editorOf<QComboBox>(dialog, "training.optimizer.type"), QStringLiteral("sgd"));
    QTest::keyClicks(editorOf<QComboBox>(dialog, "training.schedule.type"), QStringLiteral("step"));
    QCOMPARE(editorOf<QComboBox>(dialog, "training.optimizer.type")->currentText(),
             QStringLiteral("sgd"));
    QVERIFY(enabled("training.optimizer.momentum"));
    QVERIFY(!enabled("training.optimizer.nesterov"));  // momentum is 0
    QVERIFY(!enabled("training.optimizer.beta1"));
    QVERIFY(enabled("training.schedule.step_epochs"));
    QVERIFY(enabled("training.schedule.gamma"));
    QVERIFY(!enabled("training.schedule.min_lr"));
    retype(dialog->editor(QStringLiteral("training.optimizer.momentum")), QStringLiteral("0.9"));
    QVERIFY(enabled("training.optimizer.nesterov"));

    // Step without a step length: refused, the dialog stays open and says why.
    QTest::mouseClick(dialog->buttons()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QVERIFY(dialog && dialog->isVisible());
    QVERIFY2(dialog->message().contains(QStringLiteral("training.schedule.step_epochs")),
             qPrintable(dialog->message()));
    QCOMPARE(doc->undoStack()->count(), 0);
    QCOMPARE(serialized(doc), saved);

    // Cancel drops everything.
    QTest::mouseClick(dialog->buttons()->button(QDialogButtonBox::Cancel), Qt::LeftButton);
    QCoreApplication::processEvents();
    QVERIFY(!dialog || !dialog->isVisible());
    QCOMPARE(serialized(doc), saved);

    // OK without a change is no edit (the file keeps its short form).
    dialog = openDialog(window);
    QVERIFY(dialog);
    QTest::mouseClick(dialog->buttons()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QCoreApplication::processEvents();
    QCOMPARE(doc->undoStack()->count(), 0);
    QVERIFY(!doc->isModified());

    // One change, typed: one undo step; undo gives back the exact file.
    dialog = openDialog(window);
    QVERIFY(dialog);
    retype(dialog->editor(QStringLiteral("training.epochs")), QStringLiteral("4"));
    retype(dialog->editor(QStringLiteral("dataset.test_limit")), QStringLiteral("500"));
    QTest::mouseClick(dialog->buttons()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QCoreApplication::processEvents();
    QVERIFY2(!dialog || !dialog->isVisible(), qPrintable(dialog ? dialog->message() : QString()));
    QCOMPARE(doc->undoStack()->count(), 1);
    QVERIFY(doc->isModified());
    QVERIFY(window.isWindowModified());
    QCOMPARE(doc->model().training.epochs(), 4);
    QCOMPARE(doc->model().dataset.test_limit(), 500);
    QCOMPARE(doc->model().training.seed(), std::uint64_t{1});
    const QByteArray edited = serialized(doc);
    doc->undoStack()->undo();
    QCOMPARE(serialized(doc), saved);
    QVERIFY(!doc->isModified());
    doc->undoStack()->redo();
    QCOMPARE(serialized(doc), edited);

    // Restore Defaults puts Loom's defaults in the editors (seed 42, constant schedule).
    dialog = openDialog(window);
    QVERIFY(dialog);
    QTest::mouseClick(dialog->buttons()->button(QDialogButtonBox::RestoreDefaults), Qt::LeftButton);
    QCOMPARE(editorOf<QLineEdit>(dialog, "training.seed")->text(), QStringLiteral("42"));
    QCOMPARE(editorOf<QComboBox>(dialog, "training.schedule.type")->currentText(),
             QStringLiteral("constant"));
    QCOMPARE(editorOf<QSpinBox>(dialog, "dataset.augmentation.random_crop_padding")->value(), 0);
    QTest::mouseClick(dialog->buttons()->button(QDialogButtonBox::Cancel), Qt::LeftButton);
    QCoreApplication::processEvents();
    QCOMPARE(serialized(doc), edited);
    window.autosaver()->abandon();
    doc->resetModel(doc->model());  // unmodified: closing asks nothing
  }

  // A settings change that was only autosaved comes back after a crash, as one undo step
  // from the file on disk.
  void settingsChangeIsRecoveredAfterACrash() {
    QTemporaryDir dir;
    const QString autosaveDir = dir.filePath(QStringLiteral("autosave"));
    const QString path = dir.filePath(QStringLiteral("cnn.loom"));
    QVERIFY(QFile::copy(kExample, path));
    // The file as the studio writes it (the example's own text has comments).
    const QByteArray onDisk =
        QByteArray::fromStdString(serializeModel(*loadModel(path.toStdString())));
    QByteArray edited;
    {
      MainWindowOptions options;
      options.autosaveDirectory = autosaveDir;
      MainWindow first(options);
      QVERIFY(first.openFile(path));
      pb::TrainingConfig t = first.document()->model().training;
      t.set_epochs(2);
      t.mutable_schedule()->set_warmup_steps(100);
      QVERIFY(first.document()->setTrainingSettings(t, first.document()->model().dataset).isOk());
      edited = serialized(first.document());
      QVERIFY(first.autosaver()->autosaveNow().isOk());
      first.autosaver()->abandon();  // the process "dies": no close, no cleanup
    }
    MainWindowOptions options;
    options.autosaveDirectory = autosaveDir;
    MainWindow second(options);
    second.setRecoveryAutoAnswer(true);
    second.offerRecovery();
    Document* doc = second.document();
    QCOMPARE(serialized(doc), edited);
    QCOMPARE(doc->model().training.schedule().warmup_steps(), 100);
    QVERIFY(doc->isModified());
    QCOMPARE(doc->filePath(), path);
    doc->undoStack()->undo();
    QCOMPARE(serialized(doc), onDisk);
    QVERIFY(!doc->isModified());
    second.autosaver()->abandon();
  }
};

QTEST_MAIN(TrainingSettingsTest)
#include "training_settings_test.moc"
