#include "engine/events/event_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "engine/events/proto/hparams.pb.h"
#include "engine/events/proto/tensorboard.pb.h"
#include "engine/events/tfrecord.h"

namespace loom::events {
namespace {

namespace tb = ::tensorboard;

constexpr const char* kFileVersion = "brain.Event:2";

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  std::string out(name);
  for (char& c : out) {
    if (c == '/' || c == '\0') c = '_';
  }
  return out;
}

std::atomic<int> g_writers{0};

void setPlugin(tb::Summary::Value* v, const char* plugin, tb::SummaryMetadata::DataClass cls) {
  auto* md = v->mutable_metadata();
  md->mutable_plugin_data()->set_plugin_name(plugin);
  if (cls != tb::SummaryMetadata::DATA_CLASS_UNKNOWN) md->set_data_class(cls);
}

void fillHistogram(const Histogram& h, tb::HistogramProto* out) {
  out->set_min(h.min);
  out->set_max(h.max);
  out->set_num(h.num);
  out->set_sum(h.sum);
  out->set_sum_squares(h.sumSquares);
  for (double l : h.limits) out->add_bucket_limit(l);
  for (double c : h.counts) out->add_bucket(c);
}

std::string encodePng(int width, int height, int channels, std::vector<std::uint8_t>& pixels,
                      std::string* error) {
  if (width <= 0 || height <= 0 || (channels != 1 && channels != 3 && channels != 4) ||
      pixels.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
                           static_cast<std::size_t>(channels)) {
    *error = "image of " + std::to_string(width) + "x" + std::to_string(height) + "x" +
             std::to_string(channels) + " with " + std::to_string(pixels.size()) +
             " bytes cannot be encoded";
    return {};
  }
  if (channels >= 3) {  // OpenCV stores blue first
    for (std::size_t i = 0; i < pixels.size(); i += static_cast<std::size_t>(channels)) {
      std::swap(pixels[i], pixels[i + 2]);
    }
  }
  const cv::Mat mat(height, width, CV_8UC(channels), pixels.data());
  std::vector<std::uint8_t> png;
  try {
    if (!cv::imencode(".png", mat, png)) {
      *error = "OpenCV could not encode a PNG";
      return {};
    }
  } catch (const cv::Exception& e) {
    *error = std::string("OpenCV could not encode a PNG: ") + e.what();
    return {};
  }
  return std::string(png.begin(), png.end());
}

}  // namespace

Histogram makeHistogram(std::span<const float> values, int buckets, std::int64_t* nonFinite) {
  Histogram h;
  std::int64_t bad = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  double sum = 0, squares = 0, n = 0;
  for (float f : values) {
    if (!std::isfinite(f)) {
      ++bad;
      continue;
    }
    const double v = f;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
    squares += v * v;
    n += 1;
  }
  if (nonFinite) *nonFinite = bad;
  if (n == 0) return h;
  h.min = lo;
  h.max = hi;
  h.num = n;
  h.sum = sum;
  h.sumSquares = squares;
  if (buckets < 1 || lo == hi) {
    h.limits = {hi};
    h.counts = {n};
    return h;
  }
  const double width = (hi - lo) / buckets;
  h.limits.resize(static_cast<std::size_t>(buckets));
  h.counts.assign(static_cast<std::size_t>(buckets), 0.0);
  for (int i = 0; i < buckets; ++i) h.limits[static_cast<std::size_t>(i)] = lo + (i + 1) * width;
  h.limits.back() = hi;
  for (float f : values) {
    if (!std::isfinite(f)) continue;
    // Bucket i holds (limits[i-1], limits[i]]: the proto's convention.
    int i = static_cast<int>(std::ceil((static_cast<double>(f) - lo) / width)) - 1;
    i = std::clamp(i, 0, buckets - 1);
    h.counts[static_cast<std::size_t>(i)] += 1;
  }
  return h;
}

std::string serializeScalarEvent(double wallTime, std::int64_t step, const std::string& tag,
                                 float value) {
  tb::Event e;
  e.set_wall_time(wallTime);
  e.set_step(step);
  auto* v = e.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(value);
  return e.SerializeAsString();
}

std::string serializeFileVersionEvent(double wallTime, const std::string& version) {
  tb::Event e;
  e.set_wall_time(wallTime);
  e.set_file_version(version);
  return e.SerializeAsString();
}

struct EventWriter::Impl {
  using Make = std::function<std::string(std::string* error)>;
  struct Job {
    Make make;
    std::size_t bytes = 0;
  };

  EventWriterOptions options;
  std::string path;
  int fd = -1;

  std::mutex mutex;
  std::condition_variable wake, done;
  std::deque<Job> queue;
  std::size_t queuedBytes = 0;
  std::uint64_t enqueued = 0, written = 0;  // job sequence numbers
  bool closing = false, closed = false;
  Status error;
  std::atomic<std::uint64_t> dropped{0};
  std::thread thread;

  void push(Make make, std::size_t bytes) {
    std::lock_guard lock(mutex);
    if (closing || !error.isOk() || queuedBytes + bytes > options.maxQueuedBytes) {
      dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue.push_back(Job{std::move(make), bytes});
    queuedBytes += bytes;
    ++enqueued;
    wake.notify_one();
  }

  /// An Event with the call's wall time and step; `fill` completes it on the writer thread.
  void pushEvent(std::int64_t step, std::size_t bytes, std::function<void(tb::Event&)> fill) {
    const double wall = now();
    push(
        [wall, step, fill = std::move(fill)](std::string*) {
          tb::Event e;
          e.set_wall_time(wall);
          e.set_step(step);
          fill(e);
          return e.SerializeAsString();
        },
        bytes);
  }

  Status writeAll(const std::string& bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Status(ErrorCode::IoError,
                      "cannot write event file \"" + path + "\": " + std::strerror(errno));
      }
      at += static_cast<std::size_t>(n);
    }
    return Status::ok();
  }

  void run() {
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return !queue.empty() || closing; });
      if (queue.empty() && closing) break;
      std::deque<Job> batch;
      batch.swap(queue);
      queuedBytes = 0;
      lock.unlock();
      std::string out;
      std::string firstError;
      for (Job& job : batch) {
        std::string jobError;
        const std::string payload = job.make(&jobError);
        if (!jobError.empty()) {
          if (firstError.empty()) firstError = jobError;
          continue;
        }
        if (!payload.empty()) out += frameRecord(payload);
      }
      // One write(2) per batch of whole records: a reader sees whole records or none,
      // unless the process dies inside the call.
      Status status = fd >= 0 ? writeAll(out) : Status::ok();
      lock.lock();
      if (!status.isOk() && error.isOk()) error = status;
      if (!firstError.empty() && error.isOk()) {
        error = Status(ErrorCode::InvalidArgument, firstError + " (event file \"" + path + "\")");
      }
      written += batch.size();
      done.notify_all();
    }
  }
};

EventWriter::EventWriter(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

EventWriter::~EventWriter() {
  (void)close();
}

Expected<std::unique_ptr<EventWriter>> EventWriter::open(const std::string& dir,
                                                         const EventWriterOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status(ErrorCode::IoError,
                  "cannot create run directory \"" + dir + "\": " + ec.message());
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  const std::string hostName = host();
  for (int attempt = 0; attempt < 100 && impl->fd < 0; ++attempt) {
    const auto t = std::chrono::system_clock::now().time_since_epoch();
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t).count();
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%010lld.%06lld", static_cast<long long>(micros / 1000000),
                  static_cast<long long>(micros % 1000000));
    impl->path = dir + "/events.out.tfevents." + stamp + "." + hostName + "." +
                 std::to_string(::getpid()) + "." + std::to_string(g_writers.fetch_add(1)) +
                 options.suffix;
    impl->fd = ::open(impl->path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (impl->fd < 0 && errno != EEXIST) {
      return Status(ErrorCode::IoError,
                    "cannot create event file \"" + impl->path + "\": " + std::strerror(errno));
    }
  }
  if (impl->fd < 0) {
    return Status(ErrorCode::IoError, "cannot find a free event file name in \"" + dir + "\"");
  }
  const double wall = now();
  impl->push(
      [wall](std::string*) {
        tb::Event e;
        e.set_wall_time(wall);
        e.set_file_version(kFileVersion);
        e.mutable_source_metadata()->set_writer("loom");
        return e.SerializeAsString();
      },
      64);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<EventWriter>(new EventWriter(std::move(impl)));
}

const std::string& EventWriter::path() const {
  return m_impl->path;
}

void EventWriter::scalar(const std::string& tag, std::int64_t step, double value) {
  m_impl->pushEvent(step, tag.size() + 32, [tag, value](tb::Event& e) {
    auto* v = e.mutable_summary()->add_value();
    v->set_tag(tag);
    v->set_simple_value(static_cast<float>(value));
  });
}

void EventWriter::scalars(std::int64_t step,
                          const std::vector<std::pair<std::string, double>>& values) {
  std::size_t bytes = 32;
  for (const auto& [tag, _] : values) bytes += tag.size() + 16;
  m_impl->pushEvent(step, bytes, [values](tb::Event& e) {
    for (const auto& [tag, value] : values) {
      auto* v = e.mutable_summary()->add_value();
      v->set_tag(tag);
      v->set_simple_value(static_cast<float>(value));
    }
  });
}

void EventWriter::tensorScalar(const std::string& tag, std::int64_t step, double value) {
  m_impl->pushEvent(step, tag.size() + 48, [tag, value](tb::Event& e) {
    auto* v = e.mutable_summary()->add_value();
    v->set_tag(tag);
    setPlugin(v, "scalars", tb::SummaryMetadata::DATA_CLASS_SCALAR);
    v->mutable_tensor()->set_dtype(tb::DT_FLOAT);
    v->mutable_tensor()->add_float_val(static_cast<float>(value));
  });
}

void EventWriter::histogram(const std::string& tag, std::int64_t step, std::vector<float> values) {
  if (values.empty()) return;
  const int buckets = m_impl->options.histogramBuckets;
  Impl* impl = m_impl.get();
  const double wall = now();
  const std::size_t bytes = values.size() * sizeof(float) + tag.size();
  impl->push(
      [wall, step, tag, buckets, values = std::move(values)](std::string*) {
        std::int64_t nonFinite = 0;
        const Histogram h = makeHistogram(values, buckets, &nonFinite);
        tb::Event e;
        e.set_wall_time(wall);
        e.set_step(step);
        if (h.num > 0) {
          auto* v = e.mutable_summary()->add_value();
          v->set_tag(tag);
          fillHistogram(h, v->mutable_histo());
        }
        if (nonFinite > 0) {
          auto* v = e.mutable_summary()->add_value();
          v->set_tag(tag + "/nonfinite");
          v->set_simple_value(static_cast<float>(nonFinite));
        }
        return e.summary().value_size() > 0 ? e.SerializeAsString() : std::string();
      },
      bytes);
}

void EventWriter::histogram(const std::string& tag, std::int64_t step, const Histogram& h) {
  m_impl->pushEvent(step, h.limits.size() * 16 + tag.size() + 64, [tag, h](tb::Event& e) {
    auto* v = e.mutable_summary()->add_value();
    v->set_tag(tag);
    fillHistogram(h, v->mutable_histo());
  });
}

void EventWriter::image(const std::string& tag, std::int64_t step, int width, int height,
                        int channels, std::vector<std::uint8_t> pixels) {
  const double wall = now();
  const std::size_t bytes = pixels.size() + tag.size();
  m_impl->push(
      [wall, step, tag, width, height, channels,
       pixels = std::move(pixels)](std::string* error) mutable {
        std::string png = encodePng(width, height, channels, pixels, error);
        if (png.empty()) return std::string();
        tb::Event e;
        e.set_wall_time(wall);
        e.set_step(step);
        auto* v = e.mutable_summary()->add_value();
        v->set_tag(tag);
        auto* img = v->mutable_image();
        img->set_width(width);
        img->set_height(height);
        img->set_colorspace(channels);
        img->set_encoded_image_string(std::move(png));
        return e.SerializeAsString();
      },
      bytes);
}

void EventWriter::text(const std::string& tag, std::int64_t step, const std::string& text) {
  m_impl->pushEvent(step, tag.size() + text.size() + 48, [tag, text](tb::Event& e) {
    auto* v = e.mutable_summary()->add_value();
    v->set_tag(tag);
    setPlugin(v, "text", tb::SummaryMetadata::DATA_CLASS_TENSOR);
    v->mutable_tensor()->set_dtype(tb::DT_STRING);
    v->mutable_tensor()->add_string_val(text);
  });
}

namespace {

void hparamsValue(tb::Event& e, const char* tag, const tb::hparams::HParamsPluginData& data) {
  auto* v = e.mutable_summary()->add_value();
  v->set_tag(tag);
  setPlugin(v, "hparams", tb::SummaryMetadata::DATA_CLASS_UNKNOWN);
  v->mutable_metadata()->mutable_plugin_data()->set_content(data.SerializeAsString());
  // TensorBoard's own hparams summaries carry a placeholder tensor; the data is the metadata.
  v->mutable_tensor()->set_dtype(tb::DT_FLOAT);
  v->mutable_tensor()->add_float_val(0.0f);
}

}  // namespace

void EventWriter::sessionStart(const std::map<std::string, HParamValue>& hparams,
                               const std::string& groupName, double startTime) {
  const double start = startTime > 0 ? startTime : now();
  m_impl->pushEvent(0, 256 + hparams.size() * 64, [hparams, groupName, start](tb::Event& e) {
    tb::hparams::HParamsPluginData data;
    auto* info = data.mutable_session_start_info();
    for (const auto& [name, value] : hparams) {
      auto& out = (*info->mutable_hparams())[name];
      if (const double* d = std::get_if<double>(&value))
        out.set_number_value(*d);
      else if (const std::string* s = std::get_if<std::string>(&value))
        out.set_string_value(*s);
      else
        out.set_bool_value(std::get<bool>(value));
    }
    info->set_group_name(groupName);
    info->set_start_time_secs(start);
    hparamsValue(e, "_hparams_/session_start_info", data);
  });
}

void EventWriter::sessionEnd(SessionStatus status, double endTime) {
  const double end = endTime > 0 ? endTime : now();
  m_impl->pushEvent(0, 128, [status, end](tb::Event& e) {
    tb::hparams::HParamsPluginData data;
    data.mutable_session_end_info()->set_status(static_cast<tb::hparams::Status>(status));
    data.mutable_session_end_info()->set_end_time_secs(end);
    hparamsValue(e, "_hparams_/session_end_info", data);
  });
}

void EventWriter::experiment(const std::vector<std::string>& hparamNames,
                             const std::vector<std::string>& metricTags) {
  const double created = now();
  m_impl->pushEvent(0, 256, [hparamNames, metricTags, created](tb::Event& e) {
    tb::hparams::HParamsPluginData data;
    auto* x = data.mutable_experiment();
    x->set_time_created_secs(created);
    for (const auto& name : hparamNames) x->add_hparam_infos()->set_name(name);
    for (const auto& tag : metricTags) x->add_metric_infos()->mutable_name()->set_tag(tag);
    hparamsValue(e, "_hparams_/experiment", data);
  });
}

void EventWriter::rawEvent(std::string serializedEvent) {
  const std::size_t bytes = serializedEvent.size();
  m_impl->push([payload = std::move(serializedEvent)](std::string*) { return payload; }, bytes);
}

Status EventWriter::flush() {
  std::unique_lock lock(m_impl->mutex);
  const std::uint64_t target = m_impl->enqueued;
  m_impl->done.wait(lock, [&] { return m_impl->written >= target || m_impl->closed; });
  return m_impl->error;
}

Status EventWriter::close() {
  {
    std::lock_guard lock(m_impl->mutex);
    if (m_impl->closed) return m_impl->error;
    m_impl->closing = true;
    m_impl->wake.notify_one();
  }
  if (m_impl->thread.joinable()) m_impl->thread.join();
  std::lock_guard lock(m_impl->mutex);
  if (m_impl->fd >= 0) {
    if (::fsync(m_impl->fd) != 0 && m_impl->error.isOk()) {
      m_impl->error = Status(ErrorCode::IoError, "cannot fsync event file \"" + m_impl->path +
                                                     "\": " + std::strerror(errno));
    }
    ::close(m_impl->fd);
    m_impl->fd = -1;
  }
  m_impl->closed = true;
  m_impl->done.notify_all();
  return m_impl->error;
}

std::uint64_t EventWriter::dropped() const {
  return m_impl->dropped.load();
}

}  // namespace loom::events
