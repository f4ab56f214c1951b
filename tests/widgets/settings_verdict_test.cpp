// One verdict for training settings, wherever they are checked: 200 seeded random settings
// (valid and invalid values, boundaries, NaN/Inf, names in odd case, unknown names, dependency
// violations; tests/engine/settings_random.h) go to
//   * the engine's validator (loom::validateTrainingSettings),
//   * the studio's Document (setTrainingSettings, which must refuse exactly what the engine
//     refuses and change nothing then), and
//   * the real `loom train FILE --check` process, with the settings written into FILE and, in
//     about half of the cases, some of them passed as command-line flags instead;
// and the test requires the same verdict and the same message from all three. Flags carry
// only values that mean the same in a file and typed (not 0 / "": in a file those mean "not
// given"), so the verdicts must agree; the CLI's message is the engine's with the file named
// in front and " (given as --flag value)" after a flagged setting.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/graph/model.h"
#include "engine/plugin/plugin_loader.h"
#include "engine/train/settings.h"
#include "tests/engine/settings_random.h"
#include "widgets/document/document.h"

using namespace loom;
using namespace loom::studio;

namespace {

std::string verdictOf(const Status& s) {
  return s.isOk() ? "ok" : s.message();
}

struct CliResult {
  int rc = -1;
  std::string stderrText;
};

CliResult runCheck(const QString& file, const std::vector<SettingOverride>& flags) {
  QStringList args{QStringLiteral("train"), file};
  for (const SettingOverride& f : flags) {
    const SettingSpec* spec = findSetting(f.path);
    args << QString::fromStdString(spec->flag) << QString::fromStdString(f.text);
  }
  args << QStringLiteral("--check");
  QProcess loom;
  loom.start(QStringLiteral(LOOM_CLI), args);
  if (!loom.waitForFinished(60000)) return {};
  return {loom.exitStatus() == QProcess::NormalExit ? loom.exitCode() : -1,
          loom.readAllStandardError().toStdString()};
}

}  // namespace

class SettingsVerdictTest : public QObject {
  Q_OBJECT

 private slots:
  void engineDocumentAndCliAgree() {
    // `loom` loads the plugins it finds (image_folder adds a data-set kind), so this process
    // loads the same ones: the verdicts are compared over the same registries.
    loadDefaultPlugins();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto example = loadModel(LOOM_SOURCE_DIR "/resources/examples/mlp.loom");
    QVERIFY(example);
    Document doc;
    test::SettingsGenerator gen(6);
    int valid = 0, invalid = 0, withFlags = 0;
    for (int i = 0; i < 200; ++i) {
      const test::RandomSettings r = gen.next();
      // Some settings as flags: the file then holds another value (or none) for them.
      Model file = *example;
      file.training = r.training;
      file.dataset = r.dataset;
      std::vector<SettingOverride> flags;
      if (gen.chance(0.5)) {
        for (const SettingSpec& s : settingSpecs()) {
          const SettingValue v = getSetting(s, r.training, r.dataset);
          const std::string text = settingValueText(v);
          if (s.flag.empty() || !gen.chance(0.4) || text.empty() || text == "0" || text == "-0")
            continue;
          flags.push_back({s.path, text, s.flag + " " + text});
          pb::TrainingConfig none;
          pb::DatasetConfig noneD;
          setSetting(s, getSetting(s, none, noneD), file.training, file.dataset);
        }
      }
      withFlags += !flags.empty();
      // What `loom train` sees: the file's settings with the flags applied.
      pb::TrainingConfig t = file.training;
      pb::DatasetConfig d = file.dataset;
      SettingsCheck check;
      const Status applied = applySettingOverrides(flags, t, d, &check);
      QVERIFY2(applied.isOk(), applied.message().c_str());

      const std::string engine = verdictOf(loom::validateTrainingSettings(t, d));
      const std::string engineTyped = verdictOf(loom::validateTrainingSettings(t, d, check));
      const std::string before = doc.serialized();
      const std::string studio = verdictOf(doc.setTrainingSettings(t, d));
      const QString path = dir.filePath(QStringLiteral("case%1.loom").arg(i));
      QVERIFY(saveModel(file, path.toStdString()).isOk());
      const CliResult cli = runCheck(path, flags);

      const std::string context = "case " + std::to_string(i) + ": " + t.ShortDebugString() +
                                  " | " + d.ShortDebugString() + " | flags " +
                                  std::to_string(flags.size());
      QVERIFY2(studio == engine, (context + "\nstudio: " + studio + "\nengine: " + engine).c_str());
      QVERIFY2(engine == "ok"
                   ? engineTyped == "ok"
                   : engineTyped == engine || engineTyped.rfind(engine + " (given as ", 0) == 0,
               (context + "\ntyped: " + engineTyped + "\nplain: " + engine).c_str());
      if (engine == "ok") {
        ++valid;
        QVERIFY2(cli.rc == 0, (context + "\nloom: " + cli.stderrText).c_str());
      } else {
        ++invalid;
        QCOMPARE(doc.serialized(), before);  // a refused edit changes nothing
        const std::string want = "loom: error: " + path.toStdString() + ": " + engineTyped + "\n";
        QVERIFY2(cli.rc == 2 && cli.stderrText == want,
                 (context + "\nrc " + std::to_string(cli.rc) + "\nloom: " + cli.stderrText +
                  "want: " + want)
                     .c_str());
      }
    }
    qInfo("%d valid, %d invalid, %d with flags", valid, invalid, withFlags);
    QVERIFY(valid >= 50);  // both verdicts, and both ways into the CLI, are well represented
    QVERIFY(invalid >= 50);
    QVERIFY(withFlags >= 50);
  }
};

QTEST_MAIN(SettingsVerdictTest)
#include "settings_verdict_test.moc"
