// Acceptance: a person builds resources/examples/cnn.loom on an empty canvas with the studio's
// own gestures, saves it, and gets the example's model. Offscreen platform (FORMATS.md §5.2).
//
// Everything goes through the real widgets of a MainWindow:
//  * each op is dropped from the palette (drag-enter/move/drop events on the canvas viewport,
//    carrying the palette's own payload, opMimeData());
//  * each edge is a left-button drag on the viewport from the producer's output port to the
//    consumer's input port (positions taken from the scene's NodeItems);
//  * names and attributes are typed into the Properties panel's generated editors (key
//    events: select all, type, Enter; Space for check boxes; type-to-select for combo boxes);
//  * the training and dataset settings are set in Model → Training Settings… (the action, then
//    key events into the dialog's editors: type-to-select, select all + type, Space; a mouse
//    click on OK);
//  * File → Save As writes the file (MainWindow::saveAs with a path, the dialog's result).
// The expected values are read from the example file itself, an independent parse; the test
// never asks the Document to edit anything.
#include <google/protobuf/util/message_differencer.h>

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QMimeData>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <memory>
#include <tuple>

#include "engine/graph/analysis.h"
#include "engine/graph/model.h"
#include "engine/ops/op.h"
#include "widgets/canvas/graph_items.h"
#include "widgets/canvas/graph_scene.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/document/document.h"
#include "widgets/modes/design/design_mode.h"
#include "widgets/shell/autosave.h"
#include "widgets/shell/main_window.h"
#include "widgets/shell/palette_panel.h"
#include "widgets/shell/problems_panel.h"
#include "widgets/shell/properties_panel.h"
#include "widgets/shell/training_settings_dialog.h"

using namespace loom;
using namespace loom::studio;

namespace {

const QString kExample = QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/cnn.loom");

// Vertical distance between dropped cards (the example's own spacing): room for the edge.
constexpr double kRowSpacing = 90;

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

/// The graph without canvas positions (they are layout, not model).
Graph withoutPositions(Graph graph) {
  for (Node& n : graph.nodes()) n.x = n.y = 0;
  return graph;
}

/// Replaces the text of a line edit or spin box the way a person does: select all, type,
/// Enter (which commits: the spin boxes have keyboard tracking off).
void typeInto(QWidget* editor, const QString& text) {
  QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
  QTest::keyClicks(editor, text);
  QTest::keyClick(editor, Qt::Key_Return);
}

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

/// Every singular scalar field under `msg` as (path, message, field), e.g.
/// ("training.optimizer.learning_rate", optimizer, learning_rate). Repeated fields (top_k)
/// are not settings the dialog edits.
void leafFields(const Message& msg, const QString& prefix,
                std::vector<std::tuple<QString, const Message*, const FieldDescriptor*>>& out) {
  const auto* d = msg.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    const QString path = prefix + QLatin1Char('.') + qs(std::string(f->name()));
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
      leafFields(msg.GetReflection()->GetMessage(msg, f), path, out);
    else
      out.emplace_back(path, &msg, f);
  }
}

/// Types the settings `training` / `dataset` into the dialog's editors as a person would:
/// choices first (they enable the editors that depend on them), then every editor whose shown
/// value differs. Returns an error text, empty on success.
QString fillTrainingSettings(TrainingSettingsDialog* dialog, const pb::TrainingConfig& training,
                             const pb::DatasetConfig& dataset) {
  std::vector<std::tuple<QString, const Message*, const FieldDescriptor*>> fields;
  leafFields(training, QStringLiteral("training"), fields);
  leafFields(dataset, QStringLiteral("dataset"), fields);
  std::stable_partition(fields.begin(), fields.end(), [dialog](const auto& f) {
    return qobject_cast<QComboBox*>(dialog->editor(std::get<0>(f))) != nullptr;
  });
  for (const auto& [path, msg, f] : fields) {
    QWidget* editor = dialog->editor(path);
    if (!editor) return QStringLiteral("the dialog has no editor for %1").arg(path);
    const auto* r = msg->GetReflection();
    auto needsEdit = [&]() -> bool {
      if (auto* spin = qobject_cast<QSpinBox*>(editor))
        return spin->value() != r->GetInt32(*msg, f);
      if (auto* spin = qobject_cast<QDoubleSpinBox*>(editor))
        return spin->value() != r->GetDouble(*msg, f);
      if (auto* box = qobject_cast<QCheckBox*>(editor))
        return box->isChecked() != r->GetBool(*msg, f);
      if (auto* combo = qobject_cast<QComboBox*>(editor))
        return combo->currentText() != qs(r->GetString(*msg, f));
      if (auto* line = qobject_cast<QLineEdit*>(editor)) {
        const QString want = f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64
                                 ? QString::number(r->GetUInt64(*msg, f))
                                 : qs(r->GetString(*msg, f));
        return line->text() != want;
      }
      return true;
    };
    if (!needsEdit()) continue;
    if (!editor->isEnabled())
      return QStringLiteral("%1 must change but its editor is disabled").arg(path);
    if (auto* spin = qobject_cast<QSpinBox*>(editor)) {
      QTest::keyClick(spin, Qt::Key_A, Qt::ControlModifier);
      QTest::keyClicks(spin, QString::number(r->GetInt32(*msg, f)));
    } else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(editor)) {
      QTest::keyClick(dspin, Qt::Key_A, Qt::ControlModifier);
      QTest::keyClicks(dspin,
                       QString::number(r->GetDouble(*msg, f), 'g', QLocale::FloatingPointShortest));
    } else if (auto* box = qobject_cast<QCheckBox*>(editor)) {
      QTest::keyClick(box, Qt::Key_Space);
    } else if (auto* combo = qobject_cast<QComboBox*>(editor)) {
      QTest::keyClicks(combo, qs(r->GetString(*msg, f)));  // type to select
    } else if (auto* line = qobject_cast<QLineEdit*>(editor)) {
      QTest::keyClick(line, Qt::Key_A, Qt::ControlModifier);
      QTest::keyClicks(line, f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64
                                 ? QString::number(r->GetUInt64(*msg, f))
                                 : qs(r->GetString(*msg, f)));
    }
    QCoreApplication::processEvents();
    if (needsEdit()) return QStringLiteral("typing into %1 did not set it").arg(path);
  }
  return {};
}

QString differences(const Message& a, const Message& b) {
  std::string report;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  d.Compare(a, b);
  return qs(report);
}

class Builder {
 public:
  explicit Builder(MainWindow* window)
      : m_window(window),
        m_view(window->findMode<DesignMode>()->view()),
        m_props(window->findMode<DesignMode>()->propertiesPanel()) {}

  GraphView* view() const { return m_view; }
  Document* doc() const { return m_window->document(); }

  /// Drops `op` from the palette so that its card is centred on `scenePos`; returns the new
  /// node's name (empty on failure).
  QString drop(const QString& op, QPointF scenePos) {
    m_view->centerOn(scenePos);  // scroll there first, as a person would
    const QPoint pos = m_view->mapFromScene(scenePos);
    if (!m_view->viewport()->rect().contains(pos)) return {};
    const std::unique_ptr<QMimeData> mime(opMimeData(op));  // the palette's drag payload
    QDragEnterEvent enter(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(m_view->viewport(), &enter);
    if (!enter.isAccepted()) return {};
    QDragMoveEvent move(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(m_view->viewport(), &move);
    if (!move.isAccepted()) return {};
    const std::size_t before = doc()->graph().nodes().size();
    QDropEvent dropEvent(QPointF(pos), Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(m_view->viewport(), &dropEvent);
    QCoreApplication::processEvents();
    if (doc()->graph().nodes().size() != before + 1) return {};
    return qs(doc()->graph().nodes().back().name);
  }

  /// Drags with the left button from `from`'s output port to input port `port` of `to`.
  bool connect(const QString& from, const QString& to, int port) {
    NodeItem* a = m_view->graphScene()->nodeItem(from);
    NodeItem* b = m_view->graphScene()->nodeItem(to);
    if (!a || !b) return false;
    const QPointF start = a->mapToScene(a->outputPortPos());
    const QPointF end = b->mapToScene(b->inputPortPos(port));
    m_view->ensureVisible(QRectF(start, end).normalized(), 40, 40);
    QWidget* vp = m_view->viewport();
    const QPoint p0 = m_view->mapFromScene(start);
    const QPoint p1 = m_view->mapFromScene(end);
    if (!vp->rect().contains(p0) || !vp->rect().contains(p1)) return false;
    QTest::mousePress(vp, Qt::LeftButton, {}, p0);
    for (int i = 1; i <= 4; ++i) QTest::mouseMove(vp, p0 + (p1 - p0) * i / 4);
    QTest::mouseRelease(vp, Qt::LeftButton, {}, p1);
    QCoreApplication::processEvents();
    return true;
  }

  /// Renames the node shown in Properties through its name field.
  void rename(const QString& name) { typeInto(m_props->nameField(), name); }

  /// Sets attribute `spec` of the shown node to `value` with its generated editor. When the
  /// editor already shows the value (a default or a starting value) nothing is edited; if the
  /// example stores the attribute explicitly, the person moves the value away and back, which
  /// makes it explicit (the form has no "store the default" action).
  QString setAttribute(const Node& node, const AttrSpec& spec, const AttrValue& value) {
    const QString attr = qs(spec.name);
    QWidget* editor = m_props->editorFor(attr);
    if (!editor) return QStringLiteral("no editor for %1").arg(attr);
    auto isSet = [&] {
      const Node* n = doc()->graph().find(node.name);
      return n && n->attrs.count(spec.name) && n->attrs.at(spec.name) == value;
    };
    switch (spec.type) {
      case AttrType::Int: {
        auto* spin = qobject_cast<QSpinBox*>(editor);
        if (!spin) return QStringLiteral("%1: not a spin box").arg(attr);
        typeInto(spin, QString::number(std::get<std::int64_t>(value)));
        if (!isSet()) {
          QTest::keyClick(spin, Qt::Key_Up);
          QTest::keyClick(spin, Qt::Key_Down);
        }
        break;
      }
      case AttrType::Bool: {
        auto* box = qobject_cast<QCheckBox*>(editor);
        if (!box) return QStringLiteral("%1: not a check box").arg(attr);
        if (box->isChecked() != std::get<bool>(value)) QTest::keyClick(box, Qt::Key_Space);
        if (!isSet()) {
          QTest::keyClick(box, Qt::Key_Space);
          QTest::keyClick(box, Qt::Key_Space);
        }
        break;
      }
      case AttrType::String: {
        auto* combo = qobject_cast<QComboBox*>(editor);
        if (!combo) return QStringLiteral("%1: not a combo box").arg(attr);
        const QString wanted = qs(std::get<std::string>(value));
        if (combo->currentText() != wanted) QTest::keyClicks(combo, wanted);  // type to select
        if (!isSet()) {
          QTest::keyClick(combo,
                          combo->currentIndex() + 1 < combo->count() ? Qt::Key_Down : Qt::Key_Up);
          QTest::keyClicks(combo, wanted);
        }
        break;
      }
      case AttrType::Ints: {
        const auto& values = std::get<std::vector<std::int64_t>>(value);
        if (spec.tupleSize > 0) {
          std::vector<QSpinBox*> spins;
          for (int i = 0; i < spec.tupleSize; ++i)
            spins.push_back(editor->findChild<QSpinBox*>(QStringLiteral("%1_%2").arg(attr).arg(i)));
          if (std::find(spins.begin(), spins.end(), nullptr) != spins.end() ||
              values.size() != spins.size())
            return QStringLiteral("%1: expected %2 spin boxes").arg(attr).arg(spec.tupleSize);
          for (std::size_t i = 0; i < spins.size(); ++i)
            typeInto(spins[i], QString::number(values[i]));
          if (!isSet()) {
            QTest::keyClick(spins[0], Qt::Key_Up);
            QTest::keyClick(spins[0], Qt::Key_Down);
          }
        } else {
          auto* line = qobject_cast<QLineEdit*>(editor);
          if (!line) return QStringLiteral("%1: not a line edit").arg(attr);
          QStringList parts;
          for (std::int64_t v : values) parts << QString::number(v);
          typeInto(line, parts.join(QStringLiteral(", ")));
        }
        break;
      }
      case AttrType::Float:
      case AttrType::Floats:
        return QStringLiteral("%1: the CNN example has no float attributes").arg(attr);
    }
    QCoreApplication::processEvents();
    if (!isSet()) {
      const Node* n = doc()->graph().find(node.name);
      return QStringLiteral("%1.%2: wanted %3, the document has %4 (%5)")
          .arg(qs(node.name), attr, qs(attrToString(value)),
               n && n->attrs.count(spec.name) ? qs(attrToString(n->attrs.at(spec.name)))
                                              : QStringLiteral("unset"),
               m_props->message());
    }
    return {};
  }

 private:
  MainWindow* m_window;
  GraphView* m_view;
  PropertiesPanel* m_props;
};

}  // namespace

class BuildCnnTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Build CNN Test"));
    QSettings().clear();  // default dock layout: Properties visible
  }

  void buildExampleCnnByHand() {
    auto example = loadModel(kExample.toStdString());
    QVERIFY2(example, example ? "" : example.status().message().c_str());
    const Graph& want = example->graph;
    QCOMPARE(want.nodes().size(), std::size_t{11});

    QTemporaryDir dir;
    MainWindowOptions options;
    options.autosaveDirectory = dir.filePath(QStringLiteral("autosave"));
    MainWindow window(options);
    window.resize(1400, 900);
    window.show();
    QVERIFY(window.newDocument());
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Document* doc = window.document();
    QVERIFY(doc->graph().nodes().empty());
    Builder builder(&window);
    QVERIFY2(builder.view(), "the canvas is the GraphView");
    builder.view()->setZoom(1);
    PropertiesPanel* props = window.findMode<DesignMode>()->propertiesPanel();

    int row = 0;
    for (const Node& target : want.nodes()) {
      const QString name = qs(target.name);
      // Drop the op from the palette where the example has it (card centre).
      const QPointF centre(kNodeWidth / 2, row++ * kRowSpacing + kNodeHeight / 2);
      const QString dropped = builder.drop(qs(target.op), centre);
      QVERIFY2(!dropped.isEmpty(), qPrintable(QStringLiteral("dropping %1").arg(qs(target.op))));
      // The drop selects the new node, so Properties shows it.
      QCOMPARE(window.findMode<DesignMode>()->selectedNodes(), QStringList{dropped});
      QCOMPARE(props->node(), dropped);

      builder.rename(name);
      QVERIFY2(
          doc->graph().find(target.name),
          qPrintable(QStringLiteral("rename %1 -> %2: %3").arg(dropped, name, props->message())));
      QCOMPARE(props->node(), name);

      const Op* op = OpRegistry::global().find(target.op);
      QVERIFY(op);
      for (const AttrSpec& spec : op->schema().attrs) {
        auto it = target.attrs.find(spec.name);
        if (it == target.attrs.end()) continue;
        const QString error = builder.setAttribute(target, spec, it->second);
        QVERIFY2(error.isEmpty(), qPrintable(error));
      }

      // Wire each input: output port of the producer -> input port i of this node.
      for (std::size_t port = 0; port < target.inputs.size(); ++port) {
        QVERIFY(builder.connect(qs(target.inputs[port]), name, static_cast<int>(port)));
        const Node* n = doc->graph().find(target.name);
        QVERIFY2(n->inputs.size() > port && n->inputs[port] == target.inputs[port],
                 qPrintable(QStringLiteral("edge %1 -> %2").arg(qs(target.inputs[port]), name)));
      }
    }

    doc->waitForAnalysis();
    QCoreApplication::processEvents();
    QCOMPARE(window.findMode<DesignMode>()->problemsPanel()->problemCount(), 0);

    // Training settings: Model → Training Settings…, the example's values (its own settings
    // with Loom's defaults filled in, as `loom train` reads them) typed into the dialog.
    auto* settingsAction = window.findChild<QAction*>(QStringLiteral("actionTrainingSettings"));
    QVERIFY(settingsAction);
    settingsAction->trigger();
    QCoreApplication::processEvents();
    QPointer<TrainingSettingsDialog> dialog = window.findChild<TrainingSettingsDialog*>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    Model wantSettings = *example;
    applyDefaults(wantSettings);
    const int stepsBefore = doc->undoStack()->count();
    const QString fillError =
        fillTrainingSettings(dialog, wantSettings.training, wantSettings.dataset);
    QVERIFY2(fillError.isEmpty(), qPrintable(fillError));
    QTest::mouseClick(dialog->buttons()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QCoreApplication::processEvents();
    QVERIFY2(!dialog || !dialog->isVisible(), qPrintable(dialog ? dialog->message() : QString()));
    QCOMPARE(doc->undoStack()->count(), stepsBefore + 1);  // one undo step

    // Save through the window (Save As with the path a file dialog would return).
    const QString path = dir.filePath(QStringLiteral("my_cnn.loom"));
    QVERIFY(window.saveAs(path));
    QVERIFY(!doc->isModified());
    window.autosaver()->abandon();

    // LOOM_BUILD_CNN_KEEP=<file>: keep a copy of the saved model (to train it by hand).
    if (const QString keep = qEnvironmentVariable("LOOM_BUILD_CNN_KEEP"); !keep.isEmpty()) {
      QFile::remove(keep);
      QVERIFY(QFile::copy(path, keep));
    }
    auto saved = loadModel(path.toStdString());
    QVERIFY2(saved, saved ? "" : saved.status().message().c_str());
    const GraphAnalysis analysis = analyzeGraph(saved->graph, OpRegistry::global(), 1);
    QVERIFY2(analysis.status.isOk(), analysis.status.message().c_str());
    for (const NodeAnalysis& a : analysis.nodes)
      QVERIFY2(a.status.isOk(), a.status.message().c_str());

    // Node for node: names, ops, inputs, attributes (positions are layout only).
    QCOMPARE(saved->graph.nodes().size(), want.nodes().size());
    for (std::size_t i = 0; i < want.nodes().size(); ++i) {
      const Node& w = want.nodes()[i];
      const Node& s = saved->graph.nodes()[i];
      QCOMPARE(s.name, w.name);
      QCOMPARE(s.op, w.op);
      QCOMPARE(s.inputs, w.inputs);
      QVERIFY2(s.attrs == w.attrs, qPrintable(QStringLiteral("attributes of %1").arg(qs(w.name))));
    }
    QVERIFY(withoutPositions(saved->graph) == withoutPositions(want));
    // Same structure hash: same parameter shapes and initialisation at the same seed.
    QCOMPARE(qs(modelStructureHash(*saved)), qs(modelStructureHash(*example)));

    // Same training and dataset settings, once Loom's defaults are filled in on both sides.
    Model savedSettings = *saved;
    applyDefaults(savedSettings);
    using google::protobuf::util::MessageDifferencer;
    QVERIFY2(MessageDifferencer::Equals(savedSettings.training, wantSettings.training),
             qPrintable(differences(savedSettings.training, wantSettings.training)));
    QVERIFY2(MessageDifferencer::Equals(savedSettings.dataset, wantSettings.dataset),
             qPrintable(differences(savedSettings.dataset, wantSettings.dataset)));
    QCOMPARE(savedSettings.training.seed(), std::uint64_t{1});  // not Loom's default 42
  }
};

QTEST_MAIN(BuildCnnTest)
#include "build_cnn_test.moc"
