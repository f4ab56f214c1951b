// decodeEvent(): tensorboard.Event bytes to plain DecodedEvent. Every form other writers use
// for the kinds Loom shows is accepted (docs/events.md, "What the reader accepts").
#include <cmath>
#include <cstring>

#include "engine/events/event_file_reader.h"
#include "engine/events/proto/hparams.pb.h"
#include "engine/events/proto/tensorboard.pb.h"

namespace loom::events {
namespace {

namespace tb = ::tensorboard;

std::int64_t elementCount(const tb::TensorProto& t) {
  std::int64_t n = 1;
  for (const auto& d : t.tensor_shape().dim()) {
    if (d.size() < 0 || (d.size() > 0 && n > (std::int64_t{1} << 40) / d.size())) return -1;
    n *= d.size();
  }
  return n;
}

/// The numeric elements of a tensor (float, double, int32, int64), or empty when it holds none.
std::vector<double> numbers(const tb::TensorProto& t) {
  std::vector<double> out;
  const std::string& raw = t.tensor_content();
  auto fromRaw = [&](auto zero) {
    using T = decltype(zero);
    const std::size_t n = raw.size() / sizeof(T);
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
      out[i] = static_cast<double>(v);
    }
  };
  switch (t.dtype()) {
    case tb::DT_FLOAT:
      if (!raw.empty())
        fromRaw(float{});
      else
        out.assign(t.float_val().begin(), t.float_val().end());
      break;
    case tb::DT_DOUBLE:
      if (!raw.empty())
        fromRaw(double{});
      else
        out.assign(t.double_val().begin(), t.double_val().end());
      break;
    case tb::DT_INT32:
      if (!raw.empty())
        fromRaw(std::int32_t{});
      else
        out.assign(t.int_val().begin(), t.int_val().end());
      break;
    case tb::DT_INT64:
      if (!raw.empty())
        fromRaw(std::int64_t{});
      else
        out.assign(t.int64_val().begin(), t.int64_val().end());
      break;
    default:
      break;
  }
  // A single value given once for a larger shape means "all elements equal" in TensorFlow.
  const std::int64_t n = elementCount(t);
  if (out.size() == 1 && n > 1 && n <= 4096) out.assign(static_cast<std::size_t>(n), out[0]);
  return out;
}

Histogram fromHistogramProto(const tb::HistogramProto& h) {
  Histogram out;
  out.min = h.min();
  out.max = h.max();
  out.num = h.num();
  out.sum = h.sum();
  out.sumSquares = h.sum_squares();
  const int n = std::min(h.bucket_limit_size(), h.bucket_size());
  out.limits.assign(h.bucket_limit().begin(), h.bucket_limit().begin() + n);
  out.counts.assign(h.bucket().begin(), h.bucket().begin() + n);
  return out;
}

/// Tensor-form histograms (TF 2 tf.summary.histogram): k × 3 rows of [left, right, count].
bool fromHistogramTensor(const tb::TensorProto& t, Histogram* out) {
  const std::vector<double> v = numbers(t);
  if (v.size() % 3 != 0) return false;
  *out = Histogram{};
  for (std::size_t i = 0; i + 2 < v.size(); i += 3) {
    const double left = v[i], right = v[i + 1], count = v[i + 2];
    if (i == 0) out->min = left;
    out->max = right;
    out->limits.push_back(right);
    out->counts.push_back(count);
    out->num += count;
    const double centre = 0.5 * (left + right);  // the tensor form keeps no sums
    out->sum += centre * count;
    out->sumSquares += centre * centre * count;
  }
  return true;
}

void readHParams(const tb::SummaryMetadata& metadata, SummaryValue* value) {
  tb::hparams::HParamsPluginData data;
  value->kind = TagKind::HParams;
  if (!data.ParseFromString(metadata.plugin_data().content())) return;
  if (data.has_session_start_info()) {
    const auto& start = data.session_start_info();
    for (const auto& [name, v] : start.hparams()) {
      if (v.has_number_value())
        value->hparams.values[name] = v.number_value();
      else if (v.has_string_value())
        value->hparams.values[name] = v.string_value();
      else if (v.has_bool_value())
        value->hparams.values[name] = v.bool_value();
    }
    value->hparams.groupName = start.group_name();
    value->hparams.startTime = start.start_time_secs();
  }
  if (data.has_session_end_info()) {
    static const char* const kStatus[] = {"unknown", "success", "failure", "running"};
    const int s = data.session_end_info().status();
    value->hparams.endStatus = s >= 0 && s < 4 ? kStatus[s] : "unknown";
    value->hparams.endTime = data.session_end_info().end_time_secs();
  }
}

void decodeTensor(const tb::TensorProto& t, SummaryValue* value) {
  const std::string& plugin = value->plugin;
  if (plugin == "scalars") {
    const std::vector<double> v = numbers(t);
    if (v.size() == 1) {
      value->kind = TagKind::Scalar;
      value->scalar = v[0];
    }
  } else if (plugin == "histograms") {
    if (fromHistogramTensor(t, &value->histogram)) value->kind = TagKind::Histogram;
  } else if (plugin == "images" && t.dtype() == tb::DT_STRING && t.string_val_size() >= 2) {
    value->kind = TagKind::Image;
    const int width = std::atoi(t.string_val(0).c_str());
    const int height = std::atoi(t.string_val(1).c_str());
    for (int i = 2; i < t.string_val_size(); ++i) {
      value->images.push_back(Image{width, height, 0, t.string_val(i)});
    }
  } else if (plugin == "text" && t.dtype() == tb::DT_STRING) {
    value->kind = TagKind::Text;
    for (int i = 0; i < t.string_val_size(); ++i) {
      if (i > 0) value->text += '\n';
      value->text += t.string_val(i);
    }
  }
}

SummaryValue decodeValue(const tb::Summary::Value& v,
                         std::map<std::string, std::string>* pluginByTag) {
  SummaryValue out;
  out.tag = v.tag().empty() ? v.node_name() : v.tag();
  if (v.has_metadata() && !v.metadata().plugin_data().plugin_name().empty()) {
    out.plugin = v.metadata().plugin_data().plugin_name();
    if (pluginByTag) (*pluginByTag)[out.tag] = out.plugin;
  } else if (pluginByTag) {
    const auto it = pluginByTag->find(out.tag);
    if (it != pluginByTag->end()) out.plugin = it->second;
  }
  if (out.plugin == "hparams") {
    readHParams(v.metadata(), &out);
    return out;
  }
  switch (v.value_case()) {
    case tb::Summary::Value::kSimpleValue:
      out.kind = TagKind::Scalar;
      out.scalar = v.simple_value();
      break;
    case tb::Summary::Value::kHisto:
      out.kind = TagKind::Histogram;
      out.histogram = fromHistogramProto(v.histo());
      break;
    case tb::Summary::Value::kImage:
      out.kind = TagKind::Image;
      out.images.push_back(Image{v.image().width(), v.image().height(), v.image().colorspace(),
                                 v.image().encoded_image_string()});
      break;
    case tb::Summary::Value::kTensor:
      decodeTensor(v.tensor(), &out);
      break;
    case tb::Summary::Value::kObsoleteOldStyleHistogram:
    case tb::Summary::Value::kAudio:
    case tb::Summary::Value::VALUE_NOT_SET:
      break;
  }
  return out;
}

const char* otherKind(const tb::Event& e) {
  switch (e.what_case()) {
    case tb::Event::kGraphDef:
      return "graph_def";
    case tb::Event::kLogMessage:
      return "log_message";
    case tb::Event::kSessionLog:
      return "session_log";
    case tb::Event::kTaggedRunMetadata:
      return "tagged_run_metadata";
    case tb::Event::kMetaGraphDef:
      return "meta_graph_def";
    case tb::Event::kFileVersion:
    case tb::Event::kSummary:
    case tb::Event::WHAT_NOT_SET:
      return "";
  }
  return "";
}

}  // namespace

Expected<DecodedEvent> decodeEvent(std::string_view payload,
                                   std::map<std::string, std::string>* pluginByTag) {
  tb::Event e;
  if (!e.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Status(ErrorCode::DataCorrupt, "the record's " + std::to_string(payload.size()) +
                                              "-byte payload is not a tensorboard.Event");
  }
  if (std::isnan(e.wall_time())) {
    return Status(ErrorCode::DataCorrupt,
                  "the event's wall time is NaN (step " + std::to_string(e.step()) + ")");
  }
  DecodedEvent out;
  out.wallTime = e.wall_time();
  out.step = e.step();
  if (e.has_file_version()) out.fileVersion = e.file_version();
  out.otherKind = otherKind(e);
  if (e.has_summary()) {
    out.values.reserve(static_cast<std::size_t>(e.summary().value_size()));
    for (const auto& v : e.summary().value()) out.values.push_back(decodeValue(v, pluginByTag));
  }
  return out;
}

}  // namespace loom::events
