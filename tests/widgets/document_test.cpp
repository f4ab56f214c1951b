// Document: every edit, its refusal rules, undo/redo back to the exact file bytes, file
// state, and the worker-thread analysis. Headless (no widget is created).
#include "widgets/document/document.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace loom;
using namespace loom::studio;

namespace {

QString example(const char* name) {
  return QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/%1.loom").arg(name);
}

std::string readAll(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return f.readAll().toStdString();
}

/// Pushes one edit through `edit`, then checks undo gives back `before` byte for byte and
/// redo gives back the edited bytes.
template <class F>
void checkUndoRedo(Document& doc, F&& edit) {
  const std::string before = doc.serialized();
  const int count = doc.undoStack()->count();
  edit();
  const std::string after = doc.serialized();
  QVERIFY(after != before);
  QCOMPARE(doc.undoStack()->count(), count + 1);
  doc.undoStack()->undo();
  QCOMPARE(doc.serialized(), before);
  doc.undoStack()->redo();
  QCOMPARE(doc.serialized(), after);
}

/// Runs `edit`, which must be refused, and checks that the refusal changed nothing: the same
/// bytes, the same undo stack, no graphChanged(). Its message goes to `message` when given.
template <class F>
void checkRefused(Document& doc, F&& edit, std::string* message = nullptr) {
  const std::string before = doc.serialized();
  const int count = doc.undoStack()->count();
  QSignalSpy changed(&doc, &Document::graphChanged);
  const Status status = edit();
  QVERIFY(!status.isOk());
  QVERIFY(!status.message().empty());
  QCOMPARE(doc.serialized(), before);
  QCOMPARE(doc.undoStack()->count(), count);
  QCOMPARE(changed.count(), 0);
  if (message) *message = status.message();
}

}  // namespace

class DocumentTest : public QObject {
  Q_OBJECT

 private slots:
  void addNodeNamesAndStartingValues() {
    Document doc;
    checkUndoRedo(doc, [&] {
      auto name = doc.addNode("Conv2D", {10, 20});
      QVERIFY(name);
      QCOMPARE(*name, QStringLiteral("conv2d"));
    });
    auto second = doc.addNode("Conv2D", {0, 0});
    QVERIFY(second);
    QCOMPARE(*second, QStringLiteral("conv2d_2"));
    const Node* n = doc.graph().find("conv2d");
    QVERIFY(n);
    QCOMPARE(n->x, 10.0);
    QCOMPARE(n->y, 20.0);
    // Required attributes (filters, kernel_size) got values the engine accepts.
    auto attrs = resolveAttrs(OpRegistry::global().find("Conv2D")->schema(), n->attrs);
    QVERIFY2(attrs, attrs.status().message().c_str());
    // Unknown op: refused, nothing pushed.
    const int count = doc.undoStack()->count();
    auto bad = doc.addNode("NoSuchOp", {0, 0});
    QVERIFY(!bad);
    QVERIFY(bad.status().message().find("NoSuchOp") != std::string::npos);
    QCOMPARE(doc.undoStack()->count(), count);
  }

  void removeNodesDropsEdges() {
    Document doc;
    QVERIFY(doc.load(example("mlp")));
    const Node* flatten = doc.graph().find("flatten");
    QVERIFY(flatten);
    checkUndoRedo(doc, [&] { QVERIFY(doc.removeNodes({"flatten"})); });
    QVERIFY(!doc.graph().find("flatten"));
    for (const auto& n : doc.graph().nodes())
      for (const auto& in : n.inputs) QVERIFY(in != "flatten");
    QVERIFY(!doc.removeNodes({"nope"}));
  }

  void connectAndRefusals() {
    Document doc;
    auto in = *doc.addNode("Input", {0, 0});
    auto fc = *doc.addNode("Dense", {0, 100});
    auto relu = *doc.addNode("ReLU", {0, 200});
    auto add = *doc.addNode("Add", {0, 300});
    checkUndoRedo(doc, [&] { QVERIFY(doc.connectNodes(in, fc, 0)); });
    QVERIFY(doc.connectNodes(fc, relu, 0));

    std::string message;
    // fc's port is driven: that reason comes first, before the cycle.
    checkRefused(
        doc, [&] { return doc.connectNodes(relu, fc, 0); }, &message);
    QVERIFY2(message.find("already driven") != std::string::npos, message.c_str());
    QVERIFY(doc.connectNodes(relu, add, 0));
    QVERIFY(doc.connectNodes(fc, add, 1));
    QVERIFY(doc.connectNodes(in, add, 2));  // variadic: port == count appends
    auto fc2 = *doc.addNode("Dense", {100, 100});
    checkRefused(
        doc, [&] { return doc.connectNodes(add, in, 0); }, &message);
    QVERIFY2(message.find("no input port") != std::string::npos,
             message.c_str());  // Input takes none
    QVERIFY(doc.connectNodes(add, fc2, 0));
    // fc2 -> relu would need relu's port 0, already driven; a real cycle: fc2 -> add.
    checkRefused(
        doc, [&] { return doc.connectNodes(fc2, add, 3); }, &message);
    QVERIFY2(message.find("cycle") != std::string::npos, message.c_str());
    checkRefused(doc, [&] { return doc.connectNodes(relu, relu, 0); });
    checkRefused(doc, [&] { return doc.connectNodes(in, add, 9); });  // gap in the ports
    checkRefused(doc, [&] { return doc.connectNodes("ghost", add, 3); });
  }

  void disconnectRemovesOneEdge() {
    Document doc;
    QVERIFY(doc.load(example("cnn")));
    checkUndoRedo(doc, [&] { QVERIFY(doc.disconnect("relu1", 0)); });
    QVERIFY(doc.graph().find("relu1")->inputs.empty());
    QVERIFY(!doc.disconnect("relu1", 0));
    QVERIFY(!doc.disconnect("ghost", 0));
  }

  void movesMergeIntoOneStep() {
    Document doc;
    QVERIFY(doc.load(example("cnn")));
    const std::string original = doc.serialized();
    QVERIFY(doc.moveNodes({{"conv1", {50, 90}}, {"relu1", {50, 180}}}));
    QVERIFY(doc.moveNodes({{"conv1", {60, 90}}, {"relu1", {60, 180}}}));
    QCOMPARE(doc.undoStack()->count(), 1);
    QCOMPARE(doc.graph().find("conv1")->x, 60.0);
    QVERIFY(doc.moveNodes({{"conv1", {70, 90}}}));  // a different node set: new step
    QCOMPARE(doc.undoStack()->count(), 2);
    doc.undoStack()->undo();
    doc.undoStack()->undo();
    QCOMPARE(doc.serialized(), original);
    QVERIFY(!doc.isModified());
    QVERIFY(!doc.moveNodes({{"ghost", {0, 0}}}));
  }

  void setAttributeValidatesThroughEngine() {
    Document doc;
    QVERIFY(doc.load(example("cnn")));
    checkUndoRedo(
        doc, [&] { QVERIFY(doc.setAttribute("conv1", "filters", AttrValue{std::int64_t{8}})); });
    QCOMPARE(std::get<std::int64_t>(doc.graph().find("conv1")->attrs.at("filters")),
             std::int64_t{8});
    Status zero = doc.setAttribute("conv1", "filters", AttrValue{std::int64_t{0}});
    QVERIFY(!zero);
    QVERIFY2(zero.message().find("filters") != std::string::npos, zero.message().c_str());
    QVERIFY2(zero.message().find("conv1") != std::string::npos, zero.message().c_str());
    Status choice = doc.setAttribute("conv1", "padding", AttrValue{std::string("sideways")});
    QVERIFY(!choice);
    QVERIFY(!doc.setAttribute("conv1", "colour", AttrValue{true}));
    QVERIFY(!doc.setAttribute("conv1", "filters", std::nullopt));  // required: no default
    checkUndoRedo(doc, [&] { QVERIFY(doc.setAttribute("conv1", "padding", std::nullopt)); });
    QVERIFY(!doc.graph().find("conv1")->attrs.count("padding"));
  }

  void renameUpdatesReferences() {
    Document doc;
    QVERIFY(doc.load(example("cnn")));
    checkUndoRedo(doc, [&] { QVERIFY(doc.renameNode("conv1", "first_conv")); });
    QCOMPARE(doc.graph().find("relu1")->inputs.front(), std::string("first_conv"));
    QVERIFY(!doc.renameNode("first_conv", "relu1"));   // taken
    QVERIFY(!doc.renameNode("first_conv", "9lives"));  // invalid
    QVERIFY(!doc.renameNode("first_conv", ""));
    QVERIFY(!doc.renameNode("ghost", "x"));
  }

  void insertNodesRenamesAndKeepsInnerEdges() {
    Document doc;
    QVERIFY(doc.load(example("cnn")));
    std::vector<Node> copied = {*doc.graph().find("conv1"), *doc.graph().find("relu1")};
    Expected<QStringList> added = QStringList{};
    checkUndoRedo(doc, [&] { added = doc.insertNodes(copied, {30, 40}); });
    QVERIFY(added);
    QCOMPARE(added->size(), 2);
    const Node* c = doc.graph().find(added->at(0).toStdString());
    const Node* r = doc.graph().find(added->at(1).toStdString());
    QVERIFY(c && r);
    QVERIFY(c->name != "conv1");
    QVERIFY(c->inputs.empty());  // edge from "image" (not copied) dropped
    QCOMPARE(r->inputs, std::vector<std::string>{c->name});  // inner edge kept, renamed
    QCOMPARE(c->x, copied[0].x + 30);
    QCOMPARE(c->y, copied[0].y + 40);
  }

  void saveLoadRoundTripAndModifiedFlag() {
    QTemporaryDir dir;
    Document doc;
    QSignalSpy modified(&doc, &Document::modifiedChanged);
    QVERIFY(doc.load(example("resnet_small")));
    QVERIFY(!doc.isModified());
    const QString path = dir.filePath("a.loom");
    QVERIFY(doc.save(path));
    const std::string bytes = readAll(path);
    QCOMPARE(bytes, doc.serialized());
    Document again;
    QVERIFY(again.load(path));
    QCOMPARE(again.serialized(), bytes);  // byte-identical round trip
    QVERIFY(again.save(dir.filePath("b.loom")));
    QCOMPARE(readAll(dir.filePath("b.loom")), bytes);

    QVERIFY(!doc.connectNodes("image", "stem", 0));  // already driven
    QVERIFY(doc.disconnect("stem", 0));
    QVERIFY(doc.isModified());
    QVERIFY(doc.connectNodes("image", "stem", 0));
    QVERIFY(!doc.isModified());  // back to the saved graph
    doc.undoStack()->undo();
    QVERIFY(doc.isModified());
    doc.undoStack()->undo();
    QVERIFY(!doc.isModified());
    QVERIFY(modified.count() >= 3);
    QCOMPARE(doc.filePath(), path);
    QVERIFY(!doc.load(dir.filePath("missing.loom")));
  }

  void analysisRunsOffThreadAndCoalesces() {
    Document doc;
    QVERIFY(doc.load(example("cnn")));
    doc.waitForAnalysis();
    QVERIFY(doc.isAnalysisCurrent());
    // Known answer: 28x28 "same" 5x5 conv with 32 filters, batch 1.
    const NodeAnalysis* conv = doc.nodeAnalysis("conv1");
    QVERIFY(conv);
    QCOMPARE(conv->shape.output, (Dims{1, 32, 28, 28}));
    QCOMPARE(conv->cost.params, std::int64_t{32 * 1 * 5 * 5 + 32});

    QSignalSpy updated(&doc, &Document::analysisUpdated);
    for (int i = 0; i < 30; ++i)
      QVERIFY(doc.setAttribute("conv1", "filters", AttrValue{std::int64_t{i + 1}}));
    QVERIFY(!doc.isAnalysisCurrent() || updated.count() == 0);
    QTRY_VERIFY_WITH_TIMEOUT(doc.isAnalysisCurrent(), 10000);
    // Edits made without returning to the event loop publish at most one stale-free result.
    QCOMPARE(updated.count(), 1);
    QCOMPARE(doc.nodeAnalysis("conv1")->shape.output, (Dims{1, 30, 28, 28}));

    doc.setAnalysisBatch(4);
    doc.waitForAnalysis();
    QCOMPARE(doc.nodeAnalysis("conv1")->shape.output, (Dims{4, 30, 28, 28}));
    // A broken node carries the engine's message.
    QVERIFY(doc.disconnect("conv1", 0));
    doc.waitForAnalysis();
    QVERIFY(!doc.nodeAnalysis("conv1")->status.isOk());
    QVERIFY(!doc.nodeAnalysis("conv1")->status.message().empty());
  }

  // Crash recovery: the file on disk, then one undo step to the autosave; undo gives back the
  // file's bytes. The file is written by the Document, so its bytes are what serialized() gives.
  void restoreAutosaveIsOneUndoStepOverTheFile() {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("cnn.loom"));
    const QString autosave = dir.filePath(QStringLiteral("session.loom"));
    std::string edited;
    {
      Document first;
      QVERIFY(first.load(example("cnn")));
      QVERIFY(first.save(file));
      QVERIFY(first.addNode("Dropout", {400, 40}));
      pb::TrainingConfig training = first.model().training;
      training.set_epochs(7);
      QVERIFY(first.setTrainingSettings(training, first.model().dataset));
      edited = first.serialized();
      QVERIFY(saveModel(first.model(), autosave.toStdString()));  // what the Autosaver writes
    }
    const std::string onDisk = readAll(file);
    QVERIFY(edited != onDisk);

    Document doc;
    QVERIFY(doc.addNode("ReLU", {0, 0}));  // whatever was open before is replaced
    QSignalSpy reset(&doc, &Document::modelReset);
    QVERIFY(doc.restoreAutosave(autosave, file));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(doc.undoStack()->count(), 1);
    QCOMPARE(doc.undoStack()->text(0), QStringLiteral("Restore autosaved changes"));
    QCOMPARE(doc.serialized(), edited);
    QCOMPARE(doc.model().training.epochs(), 7);
    QVERIFY(doc.isModified());
    QCOMPARE(doc.filePath(), file);
    QCOMPARE(readAll(file), onDisk);  // restoring writes nothing

    doc.undoStack()->undo();
    QCOMPARE(doc.serialized(), onDisk);
    QVERIFY(!doc.isModified());
    doc.undoStack()->redo();
    QCOMPARE(doc.serialized(), edited);
    QVERIFY(doc.isModified());
  }

  // Without its file (untitled session, or the file is gone) the restore starts from an
  // untitled model without nodes: undo leaves the autosave's settings and no nodes.
  void restoreAutosaveWithoutItsFile() {
    QTemporaryDir dir;
    const QString autosave = dir.filePath(QStringLiteral("session.loom"));
    Document first;
    QVERIFY(first.load(example("mlp")));
    QVERIFY(saveModel(first.model(), autosave.toStdString()));
    for (const QString& original : {QString(), dir.filePath(QStringLiteral("deleted.loom"))}) {
      Document doc;
      QVERIFY(doc.restoreAutosave(autosave, original));
      QVERIFY(doc.filePath().isEmpty());
      QCOMPARE(doc.serialized(), first.serialized());
      QCOMPARE(doc.undoStack()->count(), 1);
      QVERIFY(doc.isModified());
      doc.undoStack()->undo();
      QVERIFY(doc.graph().nodes().empty());
      QCOMPARE(doc.model().training.SerializeAsString(),
               first.model().training.SerializeAsString());
      QVERIFY(!doc.isModified());
    }
  }

  void restoreAutosaveRefusesAnUnreadableAutosave() {
    QTemporaryDir dir;
    const QString garbage = dir.filePath(QStringLiteral("garbage.loom"));
    QFile f(garbage);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("graph { node { name: ");
    f.close();
    Document doc;
    QVERIFY(doc.load(example("mlp")));
    QVERIFY(doc.addNode("ReLU", {0, 0}));
    const std::string before = doc.serialized();
    for (const QString& autosave : {garbage, dir.filePath(QStringLiteral("missing.loom"))}) {
      const Status status = doc.restoreAutosave(autosave, example("mlp"));
      QVERIFY(!status.isOk());
      QVERIFY2(
          status.message().find(QFileInfo(autosave).fileName().toStdString()) != std::string::npos,
          status.message().c_str());
      QCOMPARE(doc.serialized(), before);
      QCOMPARE(doc.undoStack()->count(), 1);
      QCOMPARE(doc.filePath(), example("mlp"));
    }
  }

  void resetClearsUndo() {
    Document doc;
    QVERIFY(doc.addNode("ReLU", {0, 0}));
    QSignalSpy reset(&doc, &Document::modelReset);
    Model m;
    m.name = "empty";
    doc.resetModel(m);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(doc.undoStack()->count(), 0);
    QVERIFY(!doc.isModified());
    QVERIFY(doc.graph().nodes().empty());
  }
};

QTEST_GUILESS_MAIN(DocumentTest)
#include "document_test.moc"
