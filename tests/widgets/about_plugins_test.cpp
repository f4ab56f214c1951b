// Help → About Plugins, offscreen: opened from the main window's Help menu, the dialog lists
// the build tree's image_folder plugin as loaded with the dataset kind it added, and a plugin
// whose manifest declares the wrong API version as refused, with both versions in the reason.
#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QPlainTextEdit>
#include <QTableWidget>
#include <QTimer>
#include <QtTest>

#include "engine/data/dataset_registry.h"
#include "engine/plugin/plugin_api.h"
#include "engine/plugin/plugin_loader.h"
#include "widgets/shell/about_plugins_dialog.h"
#include "widgets/shell/main_window.h"

using namespace loom;
using namespace loom::studio;

namespace {

int rowNamed(QTableWidget* table, const QString& name) {
  for (int row = 0; row < table->rowCount(); ++row)
    if (table->item(row, AboutPluginsDialog::NameColumn)->text() == name) return row;
  return -1;
}

QString cell(QTableWidget* table, int row, int column) {
  return table->item(row, column)->text();
}

}  // namespace

class AboutPluginsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    // Before the first load: one refused plugin beside the build tree's good ones.
    qputenv("LOOM_PLUGIN_PATH", LOOM_BINARY_DIR "/test-plugins/wrong_manifest_api");
    qputenv("XDG_DATA_HOME", "/nonexistent/xdg");
  }

  void helpMenuOpensTheDialogListingImageFolder() {
    MainWindow window;
    window.show();
    auto* action = window.findChild<QAction*>(QStringLiteral("actionAboutPlugins"));
    QVERIFY(action);
    QString name, state, adds, details;
    bool seen = false;
    QElapsedTimer started;
    started.start();
    auto* timer = new QTimer(&window);
    timer->setInterval(10);
    connect(timer, &QTimer::timeout, [&] {
      auto* dialog = qobject_cast<AboutPluginsDialog*>(QApplication::activeModalWidget());
      if (!dialog && started.elapsed() < 5000) return;
      timer->stop();
      if (!dialog) return;
      seen = true;
      QTableWidget* table = dialog->table();
      const int row = rowNamed(table, QStringLiteral("image_folder"));
      if (row >= 0) {
        name = cell(table, row, AboutPluginsDialog::NameColumn);
        state = cell(table, row, AboutPluginsDialog::StateColumn);
        adds = cell(table, row, AboutPluginsDialog::AddsColumn);
        table->setCurrentCell(row, 0);
        details = dialog->details()->toPlainText();
      }
      dialog->reject();
    });
    timer->start();
    action->trigger();  // runs the dialog's event loop until the timer closes it
    QVERIFY2(seen, "Help → About Plugins did not open the dialog");
    QCOMPARE(name, QStringLiteral("image_folder"));
    QCOMPARE(state, QStringLiteral("loaded"));
    QCOMPARE(adds, QStringLiteral("dataset kinds: image_folder"));
    QVERIFY2(details.contains(
                 QStringLiteral(LOOM_BINARY_DIR "/plugins/image_folder/libloom_image_folder.so")),
             qPrintable(details));
    QVERIFY(DatasetRegistry::global().find("image_folder"));
  }

  void refusedPluginShowsItsReason() {
    AboutPluginsDialog dialog(loadDefaultPlugins());
    QTableWidget* table = dialog.table();
    const int row = rowNamed(table, QStringLiteral("test_wrong_manifest_api"));
    QVERIFY2(row >= 0, "the refused plugin is not listed");
    QCOMPARE(cell(table, row, AboutPluginsDialog::StateColumn), QStringLiteral("refused"));
    QCOMPARE(cell(table, row, AboutPluginsDialog::ApiColumn), QStringLiteral("999"));
    table->setCurrentCell(row, 0);
    const QString details = dialog.details()->toPlainText();
    QVERIFY2(
        details.contains(
            QStringLiteral("declares plugin API version 999, but this Loom supports version %1")
                .arg(kPluginApiVersion)),
        qPrintable(details));
    QVERIFY2(rowNamed(table, QStringLiteral("image_folder")) >= 0,
             "the good plugin is no longer listed");
  }
};

QTEST_MAIN(AboutPluginsTest)
#include "about_plugins_test.moc"
