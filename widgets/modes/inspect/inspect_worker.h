// InspectWorker: the Inspect mode's long work — loading the model, its weights and its test
// set, predicting every test sample, explaining one sample, and running one method over a set
// of samples — on one worker thread of its own, so the GUI thread never waits for it.
//
// The worker owns the engine objects (Model, ParameterSet, the test Dataset and an
// ExplainSession, engine/explain/session.h) and touches them only on its thread; requests are
// queued to it in order and each runs to its end (a batch stops early on cancelBatch()).
// Results come back as this object's signals, emitted on the GUI thread (the worker posts
// them to the thread this object lives in), so slots may touch widgets directly.
//
// Generations: every load() and explain() returns a number; results of a request that a
// newer one of the same kind has superseded are dropped before they are computed (explain
// checks between methods), so clicking through samples never builds a queue of stale work.
//
// Where the weights come from is the caller's choice (a checkpoint path, or none: the model's
// own parameters, else its initialisers); docs/explain.md, "Studio: Inspect mode".
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <memory>
#include <vector>

#include "engine/graph/model.h"
#include "widgets/modes/inspect/inspect_types.h"

class QThread;

namespace loom::studio {

/// What runBatch() computes for each sample.
struct BatchItem {
  int sample = -1;  ///< test index
  int target = -1;
  double deletionAuc = 0, insertionAuc = 0;
};

/// How a batch picks the class it explains per sample.
enum class BatchTarget { Predicted, TrueLabel, Fixed };

class InspectWorker : public QObject {
  Q_OBJECT

 public:
  explicit InspectWorker(QObject* parent = nullptr);
  /// Cancels a batch, lets the request in progress finish, and joins the thread.
  ~InspectWorker() override;

  /// Loads `model` (a copy) with the parameters of `checkpoint` (empty: the model's own), its
  /// test split (dataset.test_limit samples when set) and predicts every sample. Emits
  /// loadProgress(), then loaded() or loadFailed() (the engine's message, naming the file).
  int load(const Model& model, const QString& checkpoint);
  /// Explains test sample `sample` by each of `methods` (registry names) for each of
  /// `targets`, target by target: one mapReady() per (target, method), a refused method
  /// carrying its message in AttributionMap::error, then explainFinished().
  int explain(int sample, const QStringList& methods, const std::vector<int>& targets);
  /// Runs `method` over `samples` (test indices): per sample the map and its deletion and
  /// insertion AUC, reported by batchItem() and batchProgress(); then batchFinished().
  /// `fixedClass` is the target for BatchTarget::Fixed.
  void runBatch(const QString& method, const std::vector<int>& samples, BatchTarget target,
                int fixedClass = -1);
  /// Asks a running batch to stop after the sample in progress (any thread).
  void cancelBatch() { m_cancel.store(true); }
  bool isBatchRunning() const { return m_batchRunning; }
  bool isLoading() const { return m_loading; }
  /// Requests queued or running (GUI thread).
  int pending() const { return m_pending; }

 signals:
  void loadProgress(int done, int total);
  void loaded(int generation, const loom::studio::InspectModelInfo& info);
  void loadFailed(int generation, const QString& message);
  void mapReady(int generation, const loom::studio::AttributionMap& map);
  void explainFinished(int generation);
  void batchProgress(int done, int total);
  void batchItem(const loom::studio::BatchItem& item);
  /// `error` is empty unless a sample failed (the batch stops there).
  void batchFinished(int done, int total, bool cancelled, const QString& error);

 private:
  struct State;
  /// Runs `work` on the worker thread, after the requests queued before it.
  template <class F>
  void submit(F&& work);
  /// Runs `f` on the GUI thread (dropped if this object is gone).
  template <class F>
  void post(F&& f);

  QThread* m_thread;
  QObject* m_context;              // lives on m_thread; queued work runs in its event loop
  std::unique_ptr<State> m_state;  // touched on the worker thread only
  std::atomic<bool> m_cancel{false};
  std::atomic<int> m_loadGeneration{0}, m_explainGeneration{0};
  bool m_batchRunning = false, m_loading = false;
  int m_pending = 0;
};

}  // namespace loom::studio
