// The Inspect mode's worker thread (inspect_worker.h).
#include "widgets/modes/inspect/inspect_worker.h"

#include <QFileInfo>
#include <QMetaObject>
#include <QPointer>
#include <QThread>
#include <cmath>
#include <cstring>
#include <optional>

#include "engine/backends/backend.h"
#include "engine/core/threads.h"
#include "engine/data/dataset_registry.h"
#include "engine/data/transforms.h"
#include "engine/exec/parameters.h"
#include "engine/explain/faithfulness.h"
#include "engine/explain/job.h"
#include "engine/explain/registry.h"
#include "engine/explain/session.h"
#include "engine/graph/analysis.h"
#include "engine/train/trainer.h"
#include "engine/train/training_data.h"

namespace loom::studio {

struct InspectWorker::State {
  Model model;
  std::unique_ptr<ParameterSet> params;
  std::shared_ptr<Dataset> data;
  Normalization norm;
  std::vector<std::shared_ptr<Backend>> backends;
  std::optional<ExplainSession> session;  // over model.graph and *params

  void reset() {  // the session first: it points into the model and the parameters
    session.reset();
    params.reset();
    data.reset();
  }

  /// Test sample `i` as the engine's explanation input (normalised like the model's data).
  ExplainInput input(int i) const {
    return explainInputFromImages(data->images, data->labels, i, norm.mean, norm.std);
  }
};

namespace {

QString q(const std::string& s) {
  return QString::fromStdString(s);
}

AttributionMap toMap(const Explanation& e, const QString& method, int sample, int target) {
  AttributionMap m;
  m.method = method;
  if (const ExplainerInfo* info = ExplainerRegistry::global().find(method.toStdString()))
    m.title = q(info->title);
  m.sample = sample;
  m.target = target;
  m.height = static_cast<int>(e.map.dim(2));
  m.width = static_cast<int>(e.map.dim(3));
  m.saliency = pixelSaliency(e.map, 0, false);
  if (!e.scores.empty()) m.score = e.scores[0];
  for (const auto& [name, values] : e.metrics)
    if (!values.empty()) m.metrics[name] = values[0];
  return m;
}

}  // namespace

InspectWorker::InspectWorker(QObject* parent)
    : QObject(parent), m_thread(new QThread), m_context(new QObject), m_state(new State) {
  m_thread->setObjectName(QStringLiteral("inspect-worker"));
  m_context->moveToThread(m_thread);
  m_thread->start();
  // oneDNN's OpenMP team spins while it waits: one core stays free for the GUI thread.
  submit([] { setComputeThreads(std::max(1, availableCores() - 1)); });
}

InspectWorker::~InspectWorker() {
  m_cancel.store(true);
  m_loadGeneration.fetch_add(1);
  m_explainGeneration.fetch_add(1);
  m_thread->quit();  // queued requests that have not started are dropped
  m_thread->wait();
  delete m_context;
  delete m_thread;
  m_state->reset();
}

template <class F>
void InspectWorker::submit(F&& work) {
  ++m_pending;
  QMetaObject::invokeMethod(
      m_context,
      [this, work = std::forward<F>(work)]() mutable {
        work();
        post([this] { --m_pending; });
      },
      Qt::QueuedConnection);
}

template <class F>
void InspectWorker::post(F&& f) {
  QMetaObject::invokeMethod(this, std::forward<F>(f), Qt::QueuedConnection);
}

int InspectWorker::load(const Model& model, const QString& checkpoint) {
  const int generation = m_loadGeneration.fetch_add(1) + 1;
  m_loading = true;
  submit([this, generation, model = Model(model), checkpoint]() mutable {
    auto fail = [&](const Status& st) {
      post([this, generation, msg = q(st.message())] {
        if (generation != m_loadGeneration.load()) return;
        m_loading = false;
        emit loadFailed(generation, msg);
      });
    };
    if (generation != m_loadGeneration.load()) return;
    State& s = *m_state;
    s.reset();
    applyDefaults(model);
    QString weights;
    if (!checkpoint.isEmpty()) {
      if (Status st = loadCheckpointParameters(model, checkpoint.toStdString()); !st)
        return fail(st);
      weights = QStringLiteral("checkpoint %1").arg(QFileInfo(checkpoint).absoluteFilePath());
    } else if (!model.parameters.empty()) {
      weights = QStringLiteral("the model file's own parameters");
    } else {
      weights = QStringLiteral("untrained initial weights (seed %1)").arg(model.training.seed());
    }
    s.model = std::move(model);
    auto data = loadDataset(s.model.dataset, Split::Test);
    if (!data) return fail(data.status());
    if (data->images.dtype() != DType::U8 || data->images.rank() != 4)
      return fail(invalidArgument("Inspect explains image models; the test set " + data->source +
                                  " holds " + dimsToString(data->images.dims())));
    s.data = std::make_shared<Dataset>(std::move(*data));
    const GraphAnalysis analysis = analyzeGraph(s.model.graph, OpRegistry::global(), 1);
    if (!analysis.status) return fail(analysis.status);
    auto params =
        ParameterSet::create(s.model.graph, analysis, s.model.parameters, s.model.training.seed());
    if (!params) return fail(params.status());
    s.params = std::make_unique<ParameterSet>(std::move(*params));
    s.norm = Normalization::uniform(s.model.dataset.mean(), s.model.dataset.std());
    if (s.backends.empty()) s.backends = defaultBackends();

    ExplainSessionOptions o;
    for (const auto& b : s.backends) o.backends.push_back(b.get());
    o.baseline.black.clear();
    o.baseline.white.clear();
    for (size_t c = 0; c < s.norm.mean.size(); ++c) {
      o.baseline.black.push_back(static_cast<float>(-s.norm.mean[c] / s.norm.std[c]));
      o.baseline.white.push_back(static_cast<float>((1 - s.norm.mean[c]) / s.norm.std[c]));
    }
    o.curves.baseline = o.baseline;
    auto session = ExplainSession::create(s.model.graph, *s.params, o);
    if (!session) return fail(session.status());
    if (session->probe().outputIsProbability()) {  // a Softmax output explains probabilities
      o.kind = ScoreKind::Probability;
      session = ExplainSession::create(s.model.graph, *s.params, o);
      if (!session) return fail(session.status());
    }
    s.session.emplace(std::move(*session));
    ModelProbe& probe = s.session->probe();
    if (Dims(s.data->images.dims().begin() + 1, s.data->images.dims().end()) != probe.sampleDims())
      return fail(shapeMismatch(
          "the test set " + s.data->source + " has samples of shape " +
          dimsToString(Dims(s.data->images.dims().begin() + 1, s.data->images.dims().end())) +
          " but the model's input takes " + dimsToString(probe.sampleDims())));

    // Predict every listed sample, a chunk at a time.
    const auto indices = firstIndices(s.data->size(), s.model.dataset.test_limit());
    const auto n = static_cast<std::int64_t>(indices.size());
    std::vector<SamplePrediction> predictions(indices.size());
    const std::int64_t classes = probe.classes();
    const bool probs = probe.outputIsProbability();
    std::int64_t done = 0;
    const Status st = probe.scores(
        n,
        [&](std::int64_t i, float* dst) {
          const ExplainInput in = s.input(static_cast<int>(indices[static_cast<size_t>(i)]));
          std::memcpy(dst, in.x.f32(), in.x.bytes());
        },
        [](std::int64_t) { return std::int64_t{0}; },
        probs ? ScoreKind::Probability : ScoreKind::Logit,
        [&](const ProbeChunk& chunk) -> Status {
          if (generation != m_loadGeneration.load())
            return Status(ErrorCode::Cancelled, "superseded");
          for (std::int64_t r = 0; r < chunk.count; ++r) {
            const float* row = chunk.outputs->f32() + r * classes;
            const std::int64_t at = chunk.first + r;
            const int index = static_cast<int>(indices[static_cast<size_t>(at)]);
            SamplePrediction& p = predictions[static_cast<size_t>(at)];
            p.index = index;
            p.label = static_cast<int>(s.data->labels.data<std::int64_t>()[index]);
            p.predicted = static_cast<int>(std::max_element(row, row + classes) - row);
            p.confidence = scoreOf(row, classes, p.predicted, ScoreKind::Probability, probs);
          }
          done = chunk.first + chunk.count;
          post([this, generation, done, n] {
            if (generation == m_loadGeneration.load())
              emit loadProgress(static_cast<int>(done), static_cast<int>(n));
          });
          return Status::ok();
        });
    if (!st) return generation == m_loadGeneration.load() ? fail(st) : void();

    InspectModelInfo info;
    info.data = s.data;
    info.predictions = std::move(predictions);
    for (const auto& name : s.data->classNames) info.classNames << q(name);
    for (std::int64_t c = static_cast<std::int64_t>(s.data->classNames.size()); c < classes; ++c)
      info.classNames << QString::number(c);
    info.weights = weights;
    info.convNode = q(s.session->convNode());
    info.channels = static_cast<int>(probe.sampleDims()[0]);
    info.height = static_cast<int>(probe.sampleDims()[1]);
    info.width = static_cast<int>(probe.sampleDims()[2]);
    post([this, generation, info = std::move(info)] {
      if (generation != m_loadGeneration.load()) return;
      m_loading = false;
      emit loaded(generation, info);
    });
  });
  return generation;
}

int InspectWorker::explain(int sample, const QStringList& methods,
                           const std::vector<int>& targets) {
  const int generation = m_explainGeneration.fetch_add(1) + 1;
  submit([this, generation, sample, methods, targets] {
    State& s = *m_state;
    if (!s.session) return;
    const ExplainInput in = s.input(sample);
    for (int target : targets)
      for (const QString& method : methods) {
        if (generation != m_explainGeneration.load()) return;  // superseded: drop the rest
        AttributionMap m;
        auto e = s.session->explain(in, sample, method.toStdString(), target);
        if (e) {
          m = toMap(*e, method, sample, target);
        } else {
          m.method = method;
          m.title = method;
          m.sample = sample;
          m.target = target;
          m.error = q(e.status().message());
        }
        post([this, generation, m = std::move(m)] { emit mapReady(generation, m); });
      }
    post([this, generation] { emit explainFinished(generation); });
  });
  return generation;
}

void InspectWorker::runBatch(const QString& method, const std::vector<int>& samples,
                             BatchTarget target, int fixedClass) {
  m_cancel.store(false);
  m_batchRunning = true;
  submit([this, method, samples, target, fixedClass] {
    State& s = *m_state;
    const int total = static_cast<int>(samples.size());
    int done = 0;
    QString error;
    if (!s.session) error = tr("no model is loaded");
    for (int sample : samples) {
      if (!error.isEmpty() || m_cancel.load()) break;
      const ExplainInput in = s.input(sample);
      int cls = fixedClass;
      if (target == BatchTarget::TrueLabel) cls = static_cast<int>(in.label);
      if (target == BatchTarget::Predicted) {
        auto out = s.session->outputs(in.x);
        if (!out) {
          error = q(out.status().message());
          break;
        }
        cls = static_cast<int>(std::max_element(out->begin(), out->end()) - out->begin());
      }
      auto e = s.session->explain(in, sample, method.toStdString(), cls);
      if (!e) {
        error = q(e.status().message());
        break;
      }
      BatchItem item{sample, cls, e->metrics["deletion_auc"].at(0),
                     e->metrics["insertion_auc"].at(0)};
      ++done;
      post([this, item, done, total] {
        emit batchItem(item);
        emit batchProgress(done, total);
      });
    }
    const bool cancelled = m_cancel.load() && done < total;
    post([this, done, total, cancelled, error] {
      m_batchRunning = false;
      emit batchFinished(done, total, cancelled, error);
    });
  });
}

}  // namespace loom::studio
