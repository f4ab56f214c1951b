// The settings schema itself: one row per field of `training` and `dataset` (settings.h).
// Defaults and ranges follow PyTorch where it has one (torch.optim, torch.optim.lr_scheduler).
#include <limits>

#include "engine/backends/backend.h"
#include "engine/train/settings.h"

namespace loom {

namespace {

constexpr double kInf = INFINITY;
constexpr double kIntMax = 2147483647.0;  // int32 fields
/// More compute threads than any machine Loom targets has cores; libgomp cannot create a team
/// of 2^31 threads and takes the process down, so the schema stops far below that.
constexpr double kMaxThreads = 1024;
const char* const kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

SettingRange closed(double lo, double hi) {
  return {lo, hi, false, false};
}
SettingRange atLeast(double lo) {
  return {lo, kInf, false, true};
}
SettingRange above(double lo) {
  return {lo, kInf, true, true};
}
SettingRange unitOpen() {
  return {0, 1, true, true};
}  // (0, 1)
SettingRange unitHalfOpen() {
  return {0, 1, false, true};
}  // [0, 1)

SettingCondition is(const char* path, std::vector<std::string> names) {
  return {SettingCondition::Test::OneOf, path, std::move(names)};
}
SettingCondition optimizerIs(std::vector<std::string> names) {
  return is("training.optimizer.type", std::move(names));
}
SettingCondition scheduleIs(const char* name) {
  return is("training.schedule.type", {name});
}
SettingCondition positive(const char* path) {
  return {SettingCondition::Test::Positive, path, {}};
}

SettingSpec spec(const char* path, SettingType type, const char* group, const char* label,
                 const char* help) {
  SettingSpec s;
  s.path = path;
  s.type = type;
  s.group = group;
  s.label = label;
  s.help = help;
  return s;
}

/// A setting whose 0 means "not given", with one default.
SettingSpec withDefault(SettingSpec s, SettingValue value) {
  s.zeroIsUnset = true;
  s.defaults = {{"", std::move(value)}};
  return s;
}

std::vector<SettingSpec> runSettings() {
  std::vector<SettingSpec> v;
  SettingSpec s = withDefault(
      spec("training.epochs", SettingType::Int, "Run", "Epochs", "Passes over the training set."),
      std::int64_t{10});
  s.units = "epochs";
  s.flag = "--epochs";
  s.range = closed(1, kIntMax);
  v.push_back(s);

  s = withDefault(spec("training.batch_size", SettingType::Int, "Run", "Batch size",
                       "Samples per optimizer step."),
                  std::int64_t{64});
  s.units = "samples";
  s.flag = "--batch-size";
  s.range = closed(1, kIntMax);
  v.push_back(s);

  s = withDefault(spec("training.seed", SettingType::Seed, "Run", "Seed",
                       "Initial weights, data order, augmentation and dropout follow from this "
                       "number."),
                  std::uint64_t{42});
  s.flag = "--seed";
  s.range = closed(1, static_cast<double>(std::numeric_limits<std::uint64_t>::max()));
  v.push_back(s);

  s = spec("training.threads", SettingType::Int, "Run", "Threads",
           "Compute threads: the OpenMP team oneDNN uses.");
  s.units = "threads";
  s.flag = "--threads";
  s.range = closed(0, kMaxThreads);
  s.zeroText = "idle cores";
  v.push_back(s);

  // The device belongs to the run (docs/backend-cuda.md): "cpu" by default, so a model file
  // trains the same, bit for bit, wherever it is opened; "cuda" is the first GPU.
  s = withDefault(spec("training.device", SettingType::Name, "Run", "Device",
                       "Where the kernels run: cpu (oneDNN), or cuda / cuda:N (cuDNN and cuBLAS "
                       "on GPU N, nodes without a CUDA kernel on the CPU); a CUDA device that "
                       "is not there is refused with the reason."),
                  std::string("cpu"));
  s.names = deviceNames();  // backends/backend.h: the one list
  s.flag = "--device";
  v.push_back(s);

  s = spec("training.clip_grad_norm", SettingType::Float, "Run", "Clip gradient norm",
           "Scales the gradients down when their global L2 norm exceeds this "
           "(torch clip_grad_norm_).");
  s.flag = "--clip-grad-norm";
  s.range = atLeast(0);
  s.zeroText = "off";
  v.push_back(s);

  // Transfer learning (engine/train/freeze.h, docs/transfer-learning.md).
  s = spec("training.freeze_until", SettingType::Text, "Run", "Freeze up to",
           "Freezes this node and every node it depends on (towards the inputs): their "
           "parameters stay byte-identical and they run in inference mode; empty: nothing "
           "frozen.");
  s.textKind = TextKind::Node;
  s.flag = "--freeze-until";
  v.push_back(s);

  s = withDefault(spec("training.allreduce_bucket_kib", SettingType::Int, "Run", "Allreduce bucket",
                       "Data-parallel runs (loom launch): gradients are averaged across ranks "
                       "in buckets of this size, in a fixed order (DDP's bucket_cap_mb, "
                       "Horovod's fusion buffer)."),
                  std::int64_t{25600});
  s.units = "KiB";
  s.flag = "--bucket-kib";
  s.range = closed(1, 4194304);  // 4 GiB: past any model's gradients; keeps bytes in range
  v.push_back(s);

  // Bit-identical either way (docs/distributed.md, "Overlap"), so on by default; off is the
  // allreduce-after-backward path, for measuring what overlap hides.
  s = withDefault(spec("training.allreduce_overlap", SettingType::Name, "Run", "Allreduce overlap",
                       "Data-parallel runs (loom launch): each gradient bucket's allreduce "
                       "starts during backward, as soon as its gradients are final (DDP's "
                       "overlap); off: every bucket after backward. The result is the same "
                       "bit for bit."),
                  std::string("on"));
  s.names = {"on", "off"};
  s.flag = "--allreduce-overlap";
  v.push_back(s);

  // 600 s is PyTorch's NCCL watchdog default; it must exceed the longest wait a healthy run
  // has: a step of the slowest rank, and the other ranks waiting while rank 0 validates.
  s = withDefault(spec("training.stall_timeout_s", SettingType::Float, "Run", "Stall timeout",
                       "Data-parallel runs (loom launch): a collective call (gradient "
                       "allreduce, broadcast) waiting longer than this is a stall; the ranks "
                       "that stopped answering are named and the job ends."),
                  600.0);
  s.units = "s";
  s.flag = "--stall-timeout";
  s.range = closed(0.5, 86400);
  v.push_back(s);
  return v;
}

std::vector<SettingSpec> optimizerSettings() {
  std::vector<SettingSpec> v;
  SettingSpec s = withDefault(spec("training.optimizer.type", SettingType::Name, "Optimizer",
                                   "Type", "The optimizer, with torch.optim's semantics."),
                              std::string("adam"));
  s.flag = "--optimizer";
  s.names = optimizerNames();
  v.push_back(s);

  s = spec("training.optimizer.learning_rate", SettingType::Float, "Optimizer", "Learning rate",
           "Base step size; the schedule scales it.");
  s.flag = "--lr";
  s.range = above(0);
  s.zeroIsUnset = true;
  s.defaultSelector = "training.optimizer.type";
  s.defaults = {{"sgd", 0.01}, {"adam", 0.001}, {"adamw", 0.001}, {"rmsprop", 0.01}};
  v.push_back(s);

  s = spec("training.optimizer.momentum", SettingType::Float, "Optimizer", "Momentum",
           "Momentum factor.");
  s.flag = "--momentum";
  s.range = unitHalfOpen();
  s.zeroText = "none";
  s.appliesWhen = {optimizerIs({"sgd", "rmsprop"})};
  v.push_back(s);

  s = spec("training.optimizer.nesterov", SettingType::Bool, "Optimizer", "Nesterov momentum",
           "Nesterov's form of momentum.");
  s.appliesWhen = {optimizerIs({"sgd"}), positive("training.optimizer.momentum")};
  s.refusedWhenNotApplies = true;
  v.push_back(s);

  s = spec("training.optimizer.weight_decay", SettingType::Float, "Optimizer", "Weight decay",
           "L2 penalty added to the gradient (decoupled from it for adamw).");
  s.flag = "--weight-decay";
  s.range = atLeast(0);
  s.zeroText = "none";
  v.push_back(s);

  s = withDefault(spec("training.optimizer.beta1", SettingType::Float, "Optimizer", "Beta 1",
                       "Decay of the first-moment estimate."),
                  0.9);
  s.range = unitOpen();
  s.appliesWhen = {optimizerIs({"adam", "adamw"})};
  v.push_back(s);

  s = withDefault(spec("training.optimizer.beta2", SettingType::Float, "Optimizer", "Beta 2",
                       "Decay of the second-moment estimate."),
                  0.999);
  s.range = unitOpen();
  s.appliesWhen = {optimizerIs({"adam", "adamw"})};
  v.push_back(s);

  s = withDefault(spec("training.optimizer.epsilon", SettingType::Float, "Optimizer", "Epsilon",
                       "Term added to the denominator."),
                  1e-8);
  s.range = above(0);
  s.appliesWhen = {optimizerIs({"adam", "adamw", "rmsprop"})};
  v.push_back(s);

  s = withDefault(spec("training.optimizer.rho", SettingType::Float, "Optimizer", "Rho (RMSprop)",
                       "Decay of RMSprop's squared-gradient average (torch alpha, Keras rho)."),
                  0.99);
  s.range = unitOpen();
  s.appliesWhen = {optimizerIs({"rmsprop"})};
  v.push_back(s);
  return v;
}

std::vector<SettingSpec> scheduleSettings() {
  std::vector<SettingSpec> v;
  SettingSpec s = withDefault(spec("training.schedule.type", SettingType::Name, "Schedule", "Type",
                                   "How the learning rate changes over the run."),
                              std::string("constant"));
  s.flag = "--schedule";
  s.names = scheduleNames();
  v.push_back(s);

  s = spec("training.schedule.step_epochs", SettingType::Int, "Schedule", "Step every",
           "Decay the rate every this many epochs (torch StepLR step_size).");
  s.units = "epochs";
  s.range = closed(1, kIntMax);
  s.zeroIsUnset = true;
  s.appliesWhen = {scheduleIs("step")};
  s.requiredWhenApplies = true;
  v.push_back(s);

  s = withDefault(spec("training.schedule.gamma", SettingType::Float, "Schedule", "Gamma",
                       "Factor applied to the rate at each decay."),
                  0.1);
  s.range = {0, 1, true, false};
  s.appliesWhen = {scheduleIs("step")};
  v.push_back(s);

  s = spec("training.schedule.min_lr", SettingType::Float, "Schedule", "Minimum rate",
           "The rate the cosine curve reaches at the last step.");
  s.range = atLeast(0);
  s.appliesWhen = {scheduleIs("cosine")};
  s.atMost = "training.optimizer.learning_rate";
  v.push_back(s);

  s = spec("training.schedule.warmup_steps", SettingType::Int, "Schedule", "Warm-up steps",
           "Linear warm-up over the first steps, for any schedule.");
  s.units = "steps";
  s.flag = "--warmup-steps";
  s.range = closed(0, kIntMax);
  s.zeroText = "none";
  v.push_back(s);
  return v;
}

std::vector<SettingSpec> lossSettings() {
  std::vector<SettingSpec> v;
  SettingSpec s = withDefault(spec("training.loss.type", SettingType::Name, "Loss & validation",
                                   "Loss", "The loss computed from the logits and the labels."),
                              std::string("softmax_cross_entropy"));
  s.flag = "--loss";
  s.names = lossNames();
  v.push_back(s);

  s = spec("training.loss.label_smoothing", SettingType::Float, "Loss & validation",
           "Label smoothing", "Share of the target spread evenly over all classes.");
  s.range = unitHalfOpen();
  s.zeroText = "none";
  s.appliesWhen = {is("training.loss.type", {"softmax_cross_entropy"})};
  v.push_back(s);

  s = spec("training.validation_fraction", SettingType::Float, "Loss & validation",
           "Validation fraction",
           "Share of the training set held out and evaluated after every epoch.");
  s.flag = "--validation-fraction";
  s.range = unitHalfOpen();
  s.zeroText = "none";
  v.push_back(s);

  s = spec("training.early_stopping_patience", SettingType::Int, "Loss & validation",
           "Early-stopping patience",
           "Stop after this many epochs without a better validation loss.");
  s.units = "epochs";
  s.range = closed(0, kIntMax);
  s.zeroText = "off";
  s.appliesWhen = {positive("training.validation_fraction")};
  v.push_back(s);

  s = spec("training.top_k", SettingType::IntList, "Loss & validation", "Top-k accuracies",
           "Extra top-k accuracies to report, e.g. [5].");
  s.range = closed(1, kIntMax);
  v.push_back(s);
  return v;
}

std::vector<SettingSpec> datasetSettings() {
  std::vector<SettingSpec> v;
  SettingSpec s = withDefault(spec("dataset.kind", SettingType::Name, "Data", "Kind",
                                   "Which loader reads the data set (DatasetRegistry)."),
                              std::string("fashion_mnist"));
  s.namesFromDatasets = true;
  v.push_back(s);

  s = spec("dataset.path", SettingType::Text, "Data", "Path",
           "The data set's directory (IDX files) or file (CSV).");
  s.zeroIsUnset = true;
  s.defaultSelector = "dataset.kind";
  s.defaults = {{"fashion_mnist", std::string(kFashionMnistDir)},
                {"idx", std::string(kFashionMnistDir)}};
  s.requiredWhenApplies = true;
  v.push_back(s);

  const SettingCondition pixels{SettingCondition::Test::PixelMeanStd, "dataset.kind", {}};
  s = withDefault(spec("dataset.mean", SettingType::Float, "Data", "Mean",
                       "Normalisation x = (pixel / 255 - mean) / std; 0/0 means Fashion-MNIST's "
                       "constants."),
                  0.2860);
  s.range = {-kInf, kInf, true, true};
  s.unsetTogetherWith = {"dataset.std"};
  s.appliesWhen = {pixels};
  v.push_back(s);

  s = withDefault(spec("dataset.std", SettingType::Float, "Data", "Std",
                       "Normalisation divisor (see dataset.mean)."),
                  0.3530);
  s.range = above(0);
  s.unsetTogetherWith = {"dataset.mean"};
  s.appliesWhen = {pixels};
  v.push_back(s);

  s = spec("dataset.augmentation.random_crop_padding", SettingType::Int, "Data",
           "Random crop padding", "Pad by this many pixels, then crop back at a random offset.");
  s.units = "pixels";
  s.range = closed(0, 1024);
  s.zeroText = "off";
  v.push_back(s);

  s = spec("dataset.augmentation.horizontal_flip", SettingType::Bool, "Data",
           "Random horizontal flip", "Mirror half of the training samples, chosen at random.");
  v.push_back(s);

  s = spec("dataset.train_limit", SettingType::Int, "Data", "Training samples",
           "Use only the first N training samples (quick runs).");
  s.units = "samples";
  s.flag = "--train-limit";
  s.range = closed(0, kIntMax);
  s.zeroText = "all";
  v.push_back(s);

  s = spec("dataset.test_limit", SettingType::Int, "Data", "Test samples",
           "Use only the first N test samples.");
  s.units = "samples";
  s.flag = "--test-limit";
  s.range = closed(0, kIntMax);
  s.zeroText = "all";
  v.push_back(s);
  return v;
}

/// TensorBoard event files of the run (docs/events.md): what the trainer logs and how often.
std::vector<SettingSpec> loggingSettings() {
  std::vector<SettingSpec> v;
  SettingSpec s = withDefault(
      spec("training.logging.events", SettingType::Name, "Logging", "Event logging",
           "Write TensorBoard event files (scalars, histograms, images, text, hparams) into the "
           "run directory."),
      std::string("on"));
  s.names = {"on", "off"};
  s.flag = "--events";
  v.push_back(s);

  s = withDefault(
      spec("training.logging.histogram_every", SettingType::Int, "Logging", "Histograms every",
           "Histograms of every parameter, its gradient and every node's activation "
           "and gradient every N optimizer steps."),
      std::int64_t{200});
  s.units = "steps";
  s.flag = "--histogram-every";
  s.range = closed(1, kIntMax);
  s.appliesWhen = {is("training.logging.events", {"on"})};
  v.push_back(s);
  return v;
}

}  // namespace

const std::vector<std::string>& optimizerNames() {
  static const std::vector<std::string> names = {"sgd", "adam", "adamw", "rmsprop"};
  return names;
}

const std::vector<std::string>& scheduleNames() {
  static const std::vector<std::string> names = {"constant", "step", "cosine"};
  return names;
}

const std::vector<std::string>& lossNames() {
  static const std::vector<std::string> names = {"softmax_cross_entropy", "mse",
                                                 "binary_cross_entropy"};
  return names;
}

const std::vector<SettingSpec>& settingSpecs() {
  static const std::vector<SettingSpec> specs = [] {
    std::vector<SettingSpec> all;
    for (auto part : {runSettings, optimizerSettings, scheduleSettings, lossSettings,
                      datasetSettings, loggingSettings})
      for (SettingSpec& s : part()) all.push_back(std::move(s));
    return all;
  }();
  return specs;
}

}  // namespace loom
