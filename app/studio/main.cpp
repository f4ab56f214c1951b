// loom-studio [FILE]: the desktop application. Everything lives in loom_widgets; this file
// only parses the command line, loads the plugins (docs/plugins.md) and starts the main window.
// The flags are a table in studio_flags.cpp: `loom-studio --help` lists them, and the table in
// docs/studio.md is `loom-studio --flags-markdown`.
#include <dlfcn.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QLabel>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "app/cli/exit_codes.h"
#include "app/studio/studio_flags.h"
#include "engine/core/memory_budget.h"
#include "engine/core/version.h"
#include "engine/graph/model.h"
#include "engine/plugin/plugin_loader.h"
#include "widgets/document/document.h"
#include "widgets/modes/design/design_mode.h"
#include "widgets/modes/train/images_panel.h"
#include "widgets/modes/train/train_mode.h"
#include "widgets/modes/train/train_session.h"
#include "widgets/shell/autosave.h"
#include "widgets/shell/main_window.h"

namespace {

bool hasDisplay() {
  for (const char* name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}) {
    const char* value = std::getenv(name);
    if (value && *value) return true;
  }
  return false;
}

/// True when Qt would pick the X11 (xcb) platform but the X server named by DISPLAY does
/// not answer. Qt's xcb plugin aborts the process in that case, so we ask first. libxcb is
/// loaded at run time (the xcb plugin depends on it anyway), so this adds no link dependency.
bool x11DisplayUnreachable() {
  const char* platform = std::getenv("QT_QPA_PLATFORM");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  const char* display = std::getenv("DISPLAY");
  if ((platform && *platform && std::string_view(platform) != "xcb") || (wayland && *wayland) ||
      !(display && *display))
    return false;
  void* xcb = ::dlopen("libxcb.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (!xcb) return false;  // let Qt report what is missing
  using Connect = void* (*)(const char*, int*);
  using HasError = int (*)(void*);
  using Disconnect = void (*)(void*);
  auto connect = reinterpret_cast<Connect>(::dlsym(xcb, "xcb_connect"));
  auto hasError = reinterpret_cast<HasError>(::dlsym(xcb, "xcb_connection_has_error"));
  auto disconnect = reinterpret_cast<Disconnect>(::dlsym(xcb, "xcb_disconnect"));
  bool unreachable = false;
  if (connect && hasError && disconnect) {
    void* c = connect(display, nullptr);
    unreachable = c == nullptr || hasError(c) != 0;
    if (c) disconnect(c);
  }
  ::dlclose(xcb);
  return unreachable;
}

}  // namespace

int main(int argc, char** argv) {
  // The docs' flag table needs no display (docs/studio.md, checked by a ctest).
  if (argc == 2 && std::string_view(argv[1]) == "--flags-markdown") {
    std::fputs(loom::studio::studioFlagsMarkdown().c_str(), stdout);
    return 0;
  }
  if (const std::string problem = loom::memoryBudgetProblem(); !problem.empty()) {
    std::fprintf(stderr, "loom-studio: %s\n", problem.c_str());
    return 2;
  }
  // Without a display Qt would abort inside QApplication; say what to do instead.
  if (!hasDisplay()) {
    std::fprintf(
        stderr,
        "loom-studio: no display found (DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM are unset).\n"
        "Loom Studio needs a graphical session. Without one, use the command line, e.g.\n"
        "  loom train resources/examples/cnn.loom\n"
        "or run the studio offscreen: QT_QPA_PLATFORM=offscreen loom-studio ...\n");
    return 2;
  }
  if (x11DisplayUnreachable()) {
    std::fprintf(stderr,
                 "loom-studio: cannot connect to the X display \"%s\" (DISPLAY).\n"
                 "Check that the X server is running and reachable, or use the command line, e.g.\n"
                 "  loom train resources/examples/cnn.loom\n",
                 std::getenv("DISPLAY"));
    return 2;
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("Loom"));
  QApplication::setApplicationName(QStringLiteral("Loom Studio"));
  QApplication::setApplicationVersion(QString::fromLatin1(loom::kLoomVersion));
  QApplication::setDesktopFileName(QStringLiteral("loom-studio"));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Loom Studio: design deep-learning models."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A .loom model to open."),
                               QStringLiteral("[FILE]"));
  std::vector<QCommandLineOption> flagOptions;
  for (const auto& flag : loom::studio::studioFlags())
    flagOptions.emplace_back(QString::fromUtf8(flag.name.data(), qsizetype(flag.name.size())),
                             QString::fromUtf8(flag.help.data(), qsizetype(flag.help.size())),
                             QString::fromUtf8(flag.value.data(), qsizetype(flag.value.size())));
  for (const auto& flagOption : flagOptions) parser.addOption(flagOption);
  auto option = [&](loom::studio::StudioFlag id) -> const QCommandLineOption& {
    return flagOptions[static_cast<std::size_t>(id)];
  };
  using enum loom::studio::StudioFlag;
  const auto& themeOpt = option(Theme);
  const auto& shotOpt = option(Screenshot);
  const auto& sizeOpt = option(Size);
  const auto& selectOpt = option(Select);
  const auto& autosaveOpt = option(TestAutosaveMs);
  const auto& addOpt = option(TestAddNode);
  const auto& restoreOpt = option(TestRestore);
  const auto& dumpOpt = option(TestDump);
  const auto& trainOpt = option(Train);
  const auto& logdirOpt = option(LogDir);
  const auto& maxStepsOpt = option(MaxSteps);
  const auto& delayOpt = option(ScreenshotDelay);
  const auto& modeOpt = option(Mode);
  const auto& tabOpt = option(Tab);
  const auto& imageTagOpt = option(ImageTag);
  parser.process(app);

  // Plugins before the window: a model that names a plugin's op or dataset kind must open.
  // A refused plugin is skipped (Help → About Plugins says why).
  for (const auto& plugin : loom::loadDefaultPlugins().plugins())
    if (plugin.state == loom::PluginState::Refused)
      std::fprintf(stderr, "loom-studio: warning: plugin skipped: %s\n",
                   plugin.status.message().c_str());

  loom::studio::MainWindowOptions options;
  if (parser.isSet(autosaveOpt)) {
    bool ok = false;
    options.autosaveIntervalMs = parser.value(autosaveOpt).toInt(&ok);
    if (!ok || options.autosaveIntervalMs <= 0) {
      std::fprintf(stderr,
                   "loom-studio: --test-autosave-ms must be a positive integer, got \"%s\"\n",
                   qPrintable(parser.value(autosaveOpt)));
      return 2;
    }
  }
  loom::studio::MainWindow window(options);
  if (parser.isSet(themeOpt)) {
    const auto theme = loom::studio::parseTheme(parser.value(themeOpt));
    if (!theme) {
      std::fprintf(stderr, "loom-studio: --theme must be system, light or dark, got \"%s\"\n",
                   qPrintable(parser.value(themeOpt)));
      return 2;
    }
    window.setTheme(*theme);
  }
  if (parser.isSet(restoreOpt)) {
    const QString answer = parser.value(restoreOpt);
    if (answer != QLatin1String("accept") && answer != QLatin1String("discard")) {
      std::fprintf(stderr, "loom-studio: --test-restore must be accept or discard, got \"%s\"\n",
                   qPrintable(answer));
      return 2;
    }
    window.setRecoveryAutoAnswer(answer == QLatin1String("accept"));
  }
  if (parser.isSet(sizeOpt)) {
    const QStringList wh = parser.value(sizeOpt).split(QLatin1Char('x'));
    const int w = wh.value(0).toInt(), h = wh.size() == 2 ? wh.value(1).toInt() : 0;
    if (w <= 0 || h <= 0) {
      std::fprintf(stderr, "loom-studio: --size must be WIDTHxHEIGHT, got \"%s\"\n",
                   qPrintable(parser.value(sizeOpt)));
      return 2;
    }
    window.resize(w, h);
  }
  window.show();
  QStringList files = parser.positionalArguments();
  if (parser.isSet(trainOpt)) files = QStringList{parser.value(trainOpt)};
  auto positiveInt = [&](const QCommandLineOption& opt, int& out) {
    if (!parser.isSet(opt)) return true;
    bool ok = false;
    out = parser.value(opt).toInt(&ok);
    if (ok && out >= 0) return true;
    std::fprintf(stderr, "loom-studio: --%s must be a non-negative integer, got \"%s\"\n",
                 qPrintable(opt.names().front()), qPrintable(parser.value(opt)));
    return false;
  };
  int maxSteps = 0, shotDelay = 400;
  if (!positiveInt(maxStepsOpt, maxSteps) || !positiveInt(delayOpt, shotDelay)) return 2;
  // Non-interactive runs (screenshots, dumps) report a file that does not load on stderr and
  // exit: the window's error dialog is modal and nobody would ever close it. The exit code is
  // the one `loom` gives for the same error (one table, app/cli/exit_codes.h).
  const bool interactive = !parser.isSet(shotOpt) && !parser.isSet(dumpOpt);
  if (!files.isEmpty() && !interactive) {
    const auto model = loom::loadModel(files.front().toStdString());
    if (!model) {
      std::fprintf(stderr, "loom-studio: cannot open %s: %s\n", qPrintable(files.front()),
                   model.status().message().c_str());
      return loom::cli::exitCodeFor(model.status());
    }
  }
  if (!files.isEmpty() && !window.openFile(files.front())) return 1;
  if (parser.isSet(logdirOpt)) window.openLogDir(parser.value(logdirOpt));

  // After the event loop starts (the window is mapped): recovery, then the test actions.
  QTimer::singleShot(0, &window, [&] {
    window.offerRecovery();
    auto* doc = window.document();
    auto* design = window.findMode<loom::studio::DesignMode>();
    if (parser.isSet(trainOpt)) {
      auto* train = window.findMode<loom::studio::TrainMode>();
      window.modeManager()->setCurrent(train);
      window.showCurrentMode();
      train->maxStepsBox()->setValue(maxSteps);
      if (!train->start())
        std::fprintf(stderr, "loom-studio: --train: %s\n",
                     qPrintable(train->statusLabel()->text()));
    }
    if (parser.isSet(addOpt)) {
      const auto added = design->addOpAtViewCenter(parser.value(addOpt));
      if (!added) {
        std::fprintf(stderr, "loom-studio: --test-add-node: %s\n",
                     added.status().message().c_str());
        QApplication::exit(1);
        return;
      }
      std::printf("added=%s\n", qPrintable(*added));
      std::fflush(stdout);
    }
    if (parser.isSet(dumpOpt)) {
      QFile out(parser.value(dumpOpt));
      if (!out.open(QIODevice::WriteOnly) ||
          out.write(QByteArray::fromStdString(doc->serialized())) < 0) {
        std::fprintf(stderr, "loom-studio: cannot write %s\n", qPrintable(parser.value(dumpOpt)));
        QApplication::exit(1);
        return;
      }
      out.close();
      std::printf("path=%s modified=%d\n", qPrintable(doc->filePath()), doc->isModified() ? 1 : 0);
      std::fflush(stdout);
      // Leave without the discard prompt and without removing the restored autosave.
      window.autosaver()->abandon();
      QApplication::exit(0);
      return;
    }
    if (parser.isSet(tabOpt)) {
      auto* train = window.findMode<loom::studio::TrainMode>();
      for (int i = 0; i < train->dashboard()->count(); ++i)
        if (train->dashboard()->tabText(i).compare(parser.value(tabOpt), Qt::CaseInsensitive) == 0)
          train->dashboard()->setCurrentIndex(i);
    }
    if (parser.isSet(imageTagOpt)) {
      // The run store reads the log directory off the GUI thread: pick the tag once it is
      // there, at the same moment --mode switches modes.
      auto* images = window.findMode<loom::studio::TrainMode>()->images();
      const QString tag = parser.value(imageTagOpt);
      QTimer::singleShot(shotDelay / 2, &window, [images, tag] {
        if (!images->setTag(tag))
          std::fprintf(stderr, "loom-studio: --image-tag %s: no run has that image tag\n",
                       qPrintable(tag));
      });
    }
    if (parser.isSet(modeOpt)) {
      // After the screenshot delay's first half, so a run started by --train has stats to show.
      const QString id = parser.value(modeOpt);
      QTimer::singleShot(shotDelay / 2, &window, [&window, id] {
        if (auto* mode = window.modeManager()->mode(id)) {
          window.modeManager()->setCurrent(mode);
          window.showCurrentMode();
          if (auto* design = qobject_cast<loom::studio::DesignMode*>(mode)) design->fitAll();
        }
      });
    }
    if (parser.isSet(shotOpt)) {
      if (parser.isSet(selectOpt)) design->selectNodes({parser.value(selectOpt)});
      doc->waitForAnalysis();
      QApplication::processEvents();
      if (window.modeManager()->current() == design) design->fitAll();
      // A short delay lets queued layout and the analysis' repaint land before grabbing.
      QTimer::singleShot(shotDelay, &window, [&] {
        const QString path = parser.value(shotOpt);
        if (!window.grab().save(path)) {
          std::fprintf(stderr, "loom-studio: cannot write %s\n", qPrintable(path));
          QApplication::exit(1);
          return;
        }
        window.autosaver()->abandon();
        window.trainSession()->stopAndWait();
        QApplication::exit(0);
      });
    }
  });
  return app.exec();
}
