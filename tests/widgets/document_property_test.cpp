// Property test of the Document: random edit sequences (valid and invalid) with undo, redo
// and saves at random points. Checked after every step:
//  * a refused edit changes nothing (bytes and undo stack);
//  * connect is accepted exactly when an independent oracle (port rules from the schema,
//    reachability by depth-first search) says it is valid;
//  * isModified() is false exactly when the serialized document equals the last saved file;
//  * walking the undo stack back gives, at every index, the bytes recorded when that index
//    was reached, down to the initial file; walking forward gives them back to the final file.
// Seeded and reproducible: a failure names its seed; rerun one with LOOM_PROPERTY_SEED=<n>.
// LOOM_PROPERTY_RUNS overrides the number of sequences (default 2000).
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>
#include <functional>
#include <random>
#include <set>

#include "widgets/document/document.h"

using namespace loom;
using namespace loom::studio;

namespace {

struct Failure {
  std::string what;
};

#define PROP_CHECK(cond, msg)                                                               \
  do {                                                                                      \
    if (!(cond))                                                                            \
      throw Failure{std::string(msg) + " [" #cond "] at line " + std::to_string(__LINE__)}; \
  } while (false)

class Runner {
 public:
  Runner(std::uint64_t seed, const std::vector<Model>& starts, const QString& dir)
      : m_rng(seed), m_dir(dir) {
    m_doc.resetModel(starts[pick(starts.size())]);
    m_saved = m_doc.serialized();
    m_states = {m_saved};
  }

  void run(int steps) {
    for (int i = 0; i < steps; ++i) {
      step();
      checkModified();
      PROP_CHECK(m_doc.graph().topologicalOrder().hasValue(), "the graph has a cycle");
    }
    // Undo all, checking every intermediate state, then redo all.
    QUndoStack* u = m_doc.undoStack();
    while (u->canUndo()) {
      u->undo();
      PROP_CHECK(m_doc.serialized() == m_states[static_cast<size_t>(u->index())],
                 "undo walk: wrong bytes at index " + std::to_string(u->index()));
      checkModified();
    }
    PROP_CHECK(m_doc.serialized() == m_states.front(), "undo-all did not give the initial file");
    while (u->canRedo()) {
      u->redo();
      PROP_CHECK(m_doc.serialized() == m_states[static_cast<size_t>(u->index())],
                 "redo walk: wrong bytes at index " + std::to_string(u->index()));
      checkModified();
    }
    PROP_CHECK(m_doc.serialized() == m_states.back(), "redo-all did not give the final file");
  }

  const std::string& log() const { return m_log; }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(m_rng); }
  int range(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
  bool coin(double p = 0.5) { return std::bernoulli_distribution(p)(m_rng); }

  QString randomNode() {
    const auto& nodes = m_doc.graph().nodes();
    if (nodes.empty() || coin(0.05)) return QStringLiteral("ghost");
    return QString::fromStdString(nodes[pick(nodes.size())].name);
  }

  void checkModified() {
    const bool differs = m_doc.serialized() != m_saved;
    PROP_CHECK(m_doc.isModified() == differs, "isModified() disagrees with the saved file");
  }

  /// Records the state reached by a successful (possibly merged) push.
  void recordPush() {
    const int idx = m_doc.undoStack()->index();
    m_states.resize(static_cast<size_t>(idx) + 1);
    m_states[static_cast<size_t>(idx)] = m_doc.serialized();
  }

  /// Runs an edit; on refusal checks that nothing changed, on success records the state.
  void edit(const std::string& what, const std::function<Status()>& f,
            std::optional<bool> expectOk = {}) {
    m_log += what + "\n";
    const std::string before = m_doc.serialized();
    const int count = m_doc.undoStack()->count();
    const int index = m_doc.undoStack()->index();
    Status s = f();
    if (expectOk)
      PROP_CHECK(s.isOk() == *expectOk, what + ": oracle expected " +
                                            (*expectOk ? "acceptance" : "refusal") + ", got \"" +
                                            s.message() + "\"");
    if (!s) {
      PROP_CHECK(!s.message().empty(), what + ": refusal without a message");
      PROP_CHECK(m_doc.serialized() == before, what + ": refused edit changed the document");
      PROP_CHECK(m_doc.undoStack()->count() == count && m_doc.undoStack()->index() == index,
                 what + ": refused edit touched the undo stack");
      return;
    }
    if (m_doc.serialized() != before || m_doc.undoStack()->index() != index ||
        m_doc.undoStack()->count() != count)
      recordPush();
  }

  /// Independent oracle for connectNodes.
  bool connectAllowed(const QString& from, const QString& to, int port) {
    const Graph& g = m_doc.graph();
    const Node* src = g.find(from.toStdString());
    const Node* dst = g.find(to.toStdString());
    if (!src || !dst || from == to) return false;
    const OpSchema& schema = OpRegistry::global().find(dst->op)->schema();
    if (port < 0 || (schema.maxInputs >= 0 && port >= schema.maxInputs)) return false;
    if (port != static_cast<int>(dst->inputs.size())) return false;
    // Cycle: is `from` reachable downstream of `to`?
    std::set<std::string> seen;
    std::vector<std::string> stack{to.toStdString()};
    while (!stack.empty()) {
      std::string cur = stack.back();
      stack.pop_back();
      if (cur == from.toStdString()) return false;
      if (!seen.insert(cur).second) continue;
      for (const auto& n : g.nodes())
        for (const auto& in : n.inputs)
          if (in == cur) stack.push_back(n.name);
    }
    return true;
  }

  AttrValue randomValue(const AttrSpec& spec) {
    switch (coin(0.2) ? static_cast<AttrType>(range(0, 5)) : spec.type) {  // wrong types too
      case AttrType::Int:
        return std::int64_t{range(-2, 64)};
      case AttrType::Float:
        return std::uniform_real_distribution<double>(-1, 2)(m_rng);
      case AttrType::Bool:
        return coin();
      case AttrType::String:
        return spec.choices.empty() || coin(0.2) ? std::string("bogus")
                                                 : spec.choices[pick(spec.choices.size())];
      case AttrType::Ints: {
        std::vector<std::int64_t> v(static_cast<size_t>(range(1, 4)));
        for (auto& x : v) x = range(-1, 7);
        return v;
      }
      case AttrType::Floats:
        return std::vector<double>{0.5};
    }
    return std::int64_t{0};
  }

  void step() {
    QUndoStack* u = m_doc.undoStack();
    const int kind = range(0, 13);
    switch (kind) {
      case 0: {  // add
        auto ops = OpRegistry::global().all();
        const QString op = coin(0.03)
                               ? QStringLiteral("NotAnOp")
                               : QString::fromStdString(ops[pick(ops.size())]->schema().name);
        QPointF pos(range(-500, 500), range(-500, 500));
        edit(
            "add " + op.toStdString(), [&] { return m_doc.addNode(op, pos).status(); },
            op != "NotAnOp");
        break;
      }
      case 1:
      case 2: {  // connect, valid and invalid
        const QString from = randomNode(), to = randomNode();
        const Node* dst = m_doc.graph().find(to.toStdString());
        const int count = dst ? static_cast<int>(dst->inputs.size()) : 0;
        const int port = coin(0.7) ? count : range(-1, count + 1);
        const bool ok = connectAllowed(from, to, port);
        edit(
            "connect " + from.toStdString() + " -> " + to.toStdString() + ":" +
                std::to_string(port),
            [&] { return m_doc.connectNodes(from, to, port); }, ok);
        break;
      }
      case 3: {  // disconnect
        const QString to = randomNode();
        const Node* dst = m_doc.graph().find(to.toStdString());
        const int count = dst ? static_cast<int>(dst->inputs.size()) : 0;
        const int port = range(-1, count);
        edit(
            "disconnect " + to.toStdString() + ":" + std::to_string(port),
            [&] { return m_doc.disconnect(to, port); },
            dst != nullptr && port >= 0 && port < count);
        break;
      }
      case 4: {  // move (sometimes the same set again, which merges)
        if (m_lastMoved.isEmpty() || coin(0.6)) {
          m_lastMoved.clear();
          for (int i = range(1, 3); i > 0; --i) m_lastMoved << randomNode();
          m_lastMoved.removeDuplicates();
        }
        QHash<QString, QPointF> pos;
        for (const auto& n : m_lastMoved)
          pos[n] = QPointF(range(-50, 50) * 10, range(-50, 50) * 10);
        edit("move " + m_lastMoved.join(',').toStdString(), [&] { return m_doc.moveNodes(pos); });
        break;
      }
      case 5:
      case 6: {  // set / reset attribute
        const QString node = randomNode();
        const Node* n = m_doc.graph().find(node.toStdString());
        if (!n) {
          edit(
              "set on ghost", [&] { return m_doc.setAttribute(node, "x", AttrValue{true}); },
              false);
          break;
        }
        const auto& attrs = OpRegistry::global().find(n->op)->schema().attrs;
        if (attrs.empty() || coin(0.05)) {
          edit(
              "set unknown attr", [&] { return m_doc.setAttribute(node, "nope", AttrValue{true}); },
              false);
          break;
        }
        const AttrSpec& spec = attrs[pick(attrs.size())];
        std::optional<AttrValue> value;
        if (!coin(0.15)) value = randomValue(spec);
        edit("set " + node.toStdString() + "." + spec.name +
                 (value ? " = " + attrToString(*value) : " reset"),
             [&] { return m_doc.setAttribute(node, QString::fromStdString(spec.name), value); });
        break;
      }
      case 7: {  // rename
        static const char* pool[] = {"a", "b", "conv2d", "relu", "1bad", "x y", "fc.1", "_t"};
        const QString from = randomNode();
        const QString to = QString::fromLatin1(pool[pick(8)]);
        const Node* n = m_doc.graph().find(from.toStdString());
        int refs = 0;
        for (const auto& other : m_doc.graph().nodes())
          refs += static_cast<int>(
              std::count(other.inputs.begin(), other.inputs.end(), from.toStdString()));
        const bool ok = n && (from == to || (Document::isValidNodeName(to) &&
                                             !m_doc.graph().find(to.toStdString())));
        edit(
            "rename " + from.toStdString() + " -> " + to.toStdString(),
            [&] { return m_doc.renameNode(from, to); }, ok);
        if (ok && from != to) {
          int after = 0;
          for (const auto& other : m_doc.graph().nodes()) {
            PROP_CHECK(from == to || std::count(other.inputs.begin(), other.inputs.end(),
                                                from.toStdString()) == 0,
                       "rename left a reference");
            after += static_cast<int>(
                std::count(other.inputs.begin(), other.inputs.end(), to.toStdString()));
          }
          PROP_CHECK(after == refs, "rename changed the number of references");
        }
        break;
      }
      case 8: {  // delete
        QStringList names;
        for (int i = range(1, 2); i > 0; --i) names << randomNode();
        bool ok = true;
        for (const auto& nm : names) ok = ok && m_doc.graph().find(nm.toStdString());
        edit(
            "delete " + names.join(',').toStdString(), [&] { return m_doc.removeNodes(names); },
            ok);
        for (const auto& nm : names) {
          if (!ok) break;
          PROP_CHECK(!m_doc.graph().find(nm.toStdString()), "deleted node still there");
        }
        break;
      }
      case 9: {  // insert copies
        std::vector<Node> copies;
        std::set<std::string> taken;
        for (int i = range(1, 3); i > 0 && !m_doc.graph().nodes().empty(); --i) {
          const Node& n = m_doc.graph().nodes()[pick(m_doc.graph().nodes().size())];
          if (taken.insert(n.name).second) copies.push_back(n);
        }
        const size_t before = m_doc.graph().nodes().size();
        edit(
            "insert " + std::to_string(copies.size()),
            [&] {
              return m_doc.insertNodes(copies, {20, 20}).status();
            },
            true);
        PROP_CHECK(m_doc.graph().nodes().size() == before + copies.size(),
                   "insert added the wrong number of nodes");
        break;
      }
      case 10:
        m_log += "undo\n";
        if (u->canUndo()) u->undo();
        PROP_CHECK(m_doc.serialized() == m_states[static_cast<size_t>(u->index())],
                   "undo gave the wrong bytes");
        break;
      case 11:
        m_log += "redo\n";
        if (u->canRedo()) u->redo();
        PROP_CHECK(m_doc.serialized() == m_states[static_cast<size_t>(u->index())],
                   "redo gave the wrong bytes");
        break;
      case 12:
      case 13:
        if (coin(0.5)) {  // save at a random point
          m_log += "save\n";
          const QString path = m_dir + "/prop.loom";
          Status s = m_doc.save(path);
          PROP_CHECK(s.isOk(), "save failed: " + s.message());
          QFile f(path);
          PROP_CHECK(f.open(QIODevice::ReadOnly), "cannot reopen the saved file");
          m_saved = f.readAll().toStdString();
          PROP_CHECK(m_saved == m_doc.serialized(), "saved bytes differ from serialized()");
        } else {
          edit(
              "add ReLU",
              [&] {
                return m_doc.addNode("ReLU", {0, 0}).status();
              },
              true);
        }
        break;
    }
  }

  std::mt19937_64 m_rng;
  QString m_dir;
  Document m_doc;
  std::string m_saved;
  std::vector<std::string> m_states;  // bytes at each undo index
  QStringList m_lastMoved;
  std::string m_log;
};

}  // namespace

class DocumentPropertyTest : public QObject {
  Q_OBJECT

 private slots:
  void randomEditSequences() {
    std::vector<Model> starts(1);
    starts[0].name = "empty";
    applyDefaults(starts[0]);
    for (const char* name : {"mlp", "cnn", "resnet_small"}) {
      auto m = loadModel(std::string(LOOM_SOURCE_DIR "/resources/examples/") + name + ".loom");
      QVERIFY2(m, m.status().message().c_str());
      starts.push_back(*m);
    }
    // Saves go to memory-backed storage when there is one: atomic saves fsync.
    QTemporaryDir dir(QDir("/dev/shm").exists() ? QStringLiteral("/dev/shm/loom_prop_XXXXXX")
                                                : QDir::tempPath() + "/loom_prop_XXXXXX");
    QVERIFY(dir.isValid());
    int runs = qEnvironmentVariableIsSet("LOOM_PROPERTY_RUNS")
                   ? qEnvironmentVariableIntValue("LOOM_PROPERTY_RUNS")
                   : 2000;
    std::uint64_t first = 1;
    if (qEnvironmentVariableIsSet("LOOM_PROPERTY_SEED")) {
      first = qEnvironmentVariable("LOOM_PROPERTY_SEED").toULongLong();
      runs = 1;
    }
    for (std::uint64_t seed = first; seed < first + static_cast<std::uint64_t>(runs); ++seed) {
      Runner runner(seed, starts, dir.path());
      try {
        runner.run(25);
      } catch (const Failure& f) {
        const std::string msg = "seed " + std::to_string(seed) + ": " + f.what +
                                "\nrerun with LOOM_PROPERTY_SEED=" + std::to_string(seed) +
                                "\nsteps:\n" + runner.log();
        QFAIL(msg.c_str());
      }
      if (seed % 50 == 0) QCoreApplication::processEvents();  // let analysis results drain
    }
  }
};

QTEST_GUILESS_MAIN(DocumentPropertyTest)
#include "document_property_test.moc"
