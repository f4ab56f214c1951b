#include "engine/interop/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "engine/core/file_util.h"
#include "engine/core/memory_budget.h"
#include "engine/graph/placement.h"
#include "engine/interop/onnx_file.h"
#include "engine/interop/onnx_import_patterns.h"
#include "engine/ops/op.h"
#include "engine/ops/op_helpers.h"

namespace loom {

namespace {

namespace fs = std::filesystem;

// The batch dimension inside a folded shape constant (Shape of a runtime value gives it).
constexpr std::int64_t kBatch = std::numeric_limits<std::int64_t>::min() + 7;
constexpr int kMinOpset = 7, kMaxOpset = 17;
constexpr int kMaxNodes = 1 << 20;

std::string sanitizeName(const std::string& raw) {
  std::string s;
  // PyTorch names nodes "/fc2/Gemm": drop the leading slashes rather than prefix "_".
  const size_t first = std::min(raw.find_first_not_of('/'), raw.size());
  for (char c : raw.substr(first)) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '-';
    s += ok ? c : '_';
  }
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) s = "_" + s;
  return s;
}

// One ONNX value as the importer knows it.
struct Value {
  enum Kind { Runtime, Float, Ints } kind = Runtime;
  // Runtime: the Loom node computing it, its ONNX dims (batch first, batch = 1 here) and the
  // dims Loom's node gives (they differ only after GlobalAveragePool: [N, C] vs [N, C, 1, 1]).
  std::string node;
  Dims dims, loomDims;
  // Float: a constant tensor. Ints: an integer constant (shape arithmetic), maybe holding
  // kBatch, with its tensor dims ({} for a scalar).
  Tensor tensor;
  std::vector<std::int64_t> ints;
  Dims intDims;
};

std::string opLabel(const onnx::NodeProto& n) {
  return "node \"" + n.name() + "\" (" + n.op_type() + ")";
}

const onnx::AttributeProto* findAttr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::int64_t attrInt(const onnx::NodeProto& n, const std::string& name, std::int64_t def) {
  const auto* a = findAttr(n, name);
  return a ? a->i() : def;
}

double attrFloat(const onnx::NodeProto& n, const std::string& name, double def) {
  const auto* a = findAttr(n, name);
  return a ? a->f() : def;
}

std::string attrString(const onnx::NodeProto& n, const std::string& name, std::string def) {
  const auto* a = findAttr(n, name);
  return a ? a->s() : def;
}

std::optional<std::vector<std::int64_t>> attrInts(const onnx::NodeProto& n,
                                                  const std::string& name) {
  const auto* a = findAttr(n, name);
  if (!a) return std::nullopt;
  return std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
}

class Importer {
 public:
  Importer(const onnx::ModelProto& proto, std::string source, std::string baseDir)
      : m_proto(proto), m_source(std::move(source)), m_baseDir(std::move(baseDir)) {}

  Expected<OnnxImportResult> run();

 private:
  Status checkHeader();
  Status loadInitializers();
  Status declareInputs();
  Expected<std::vector<int>> nodeOrder();
  Status importNode(const onnx::NodeProto& n);
  Status setOutput();

  Expected<Value> readTensor(const onnx::TensorProto& t, const std::string& what);
  Expected<std::string> readExternal(const onnx::TensorProto& t, const std::string& what,
                                     std::int64_t bytes);

  // Input accessors: each fails with a message naming the node and the input.
  Expected<const Value*> input(const onnx::NodeProto& n, int i);
  Expected<const Value*> runtimeInput(const onnx::NodeProto& n, int i);
  Expected<Tensor> floatInput(const onnx::NodeProto& n, int i);
  bool hasInput(const onnx::NodeProto& n, int i) const {
    return i < n.input_size() && !n.input(i).empty();
  }
  // The Loom node to feed from value `v` with its ONNX dims (adds a Reshape after a
  // GlobalAvgPool whose [N, C] must become [N, C, 1, 1] again).
  Expected<std::string> loomSource(const std::string& valueName);

  // Adds a Loom node computing ONNX value `output`; attrs as a user would set them; params
  // short name -> value, checked against the op's parameter shapes.
  Status addNode(const onnx::NodeProto& n, const std::string& op,
                 const std::vector<std::string>& inputValues, AttrMap attrs,
                 const std::vector<std::pair<std::string, Tensor>>& params,
                 const std::string& output, std::string name = {});
  void alias(const std::string& output, const std::string& source) {
    m_values[output] = m_values.at(source);
  }
  void setInts(const std::string& output, std::vector<std::int64_t> v, Dims dims) {
    Value val;
    val.kind = Value::Ints;
    val.ints = std::move(v);
    val.intDims = std::move(dims);
    m_values[output] = std::move(val);
  }
  Status unsupportedNode(const onnx::NodeProto& n, const std::string& why) {
    return unsupported(opLabel(n) + ": " + why);
  }

  // Per op.
  Status importConv(const onnx::NodeProto& n);
  Status importGemm(const onnx::NodeProto& n);
  Status importMatMul(const onnx::NodeProto& n);
  Status importAdd(const onnx::NodeProto& n);
  Status importBatchNorm(const onnx::NodeProto& n);
  Status importPool(const onnx::NodeProto& n, bool max);
  Status importFlatten(const onnx::NodeProto& n);
  Status importReshape(const onnx::NodeProto& n);
  Status importConcat(const onnx::NodeProto& n);
  Status importSoftmax(const onnx::NodeProto& n);
  Status importConstant(const onnx::NodeProto& n);
  Status importShapeOps(const onnx::NodeProto& n);
  // One Loom node for a multi-node pattern (onnx_import_patterns.h), at its last node.
  Status importPattern(const onnx::NodeProto& last, const OnnxPatternMatch& p);

  Expected<std::array<std::int64_t, 4>> windowPads(const onnx::NodeProto& n, const Dims& in,
                                                   const std::vector<std::int64_t>& k,
                                                   const std::vector<std::int64_t>& s,
                                                   const std::vector<std::int64_t>& d);

  const onnx::ModelProto& m_proto;
  std::string m_source, m_baseDir;
  int m_opset = 0;
  std::map<std::string, Value> m_values;
  std::map<std::string, int> m_consumers;  // ONNX value -> number of node inputs reading it
  std::map<std::string, std::string> m_nodeOfValue;  // runtime value -> Loom node (for bias)
  Model m_model;
  std::vector<std::string> m_notes;
  std::int64_t m_bytes = 0;  // constant bytes held, against the memory budget
};

Status Importer::checkHeader() {
  for (const auto& o : m_proto.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") m_opset = static_cast<int>(o.version());
  if (m_opset == 0)
    return unsupported(m_source + ": no opset for the default ONNX domain (opset_import)");
  if (m_opset < kMinOpset || m_opset > kMaxOpset)
    return unsupported(m_source + ": opset " + std::to_string(m_opset) +
                       " is outside the range Loom imports (" + std::to_string(kMinOpset) + ".." +
                       std::to_string(kMaxOpset) + ")");
  if (!m_proto.has_graph()) return dataCorrupt(m_source + ": the file has no graph");
  if (m_proto.graph().node_size() > kMaxNodes)
    return unsupported(m_source + ": " + std::to_string(m_proto.graph().node_size()) +
                       " nodes; Loom imports at most " + std::to_string(kMaxNodes));
  return Status::ok();
}

// External data: the location must be a relative path without "..", resolving (symlinks
// followed) to a regular file inside the model's directory.
Expected<std::string> Importer::readExternal(const onnx::TensorProto& t, const std::string& what,
                                             std::int64_t bytes) {
  std::string location;
  std::int64_t offset = 0, length = -1;
  for (const auto& e : t.external_data()) {
    try {
      if (e.key() == "location") location = e.value();
      if (e.key() == "offset") offset = std::stoll(e.value());
      if (e.key() == "length") length = std::stoll(e.value());
    } catch (const std::exception&) {
      return dataCorrupt(what + ": external_data \"" + e.key() + "\" = \"" + e.value() +
                         "\" is not a number");
    }
  }
  if (location.empty()) return dataCorrupt(what + ": external data without a location");
  if (m_baseDir.empty())
    return unsupported(what + ": external data \"" + location +
                       "\" cannot be read from bytes without a directory");
  const fs::path rel(location);
  if (rel.is_absolute() || location[0] == '/' || location[0] == '\\')
    return unsupported(what + ": external data location \"" + location +
                       "\" is an absolute path; only files inside the model's directory are read");
  for (const auto& part : rel)
    if (part == "..")
      return unsupported(what + ": external data location \"" + location +
                         "\" contains \"..\"; only files inside the model's directory are read");
  std::error_code ec;
  const fs::path base = fs::canonical(m_baseDir, ec);
  if (ec) return ioError(m_baseDir + ": " + ec.message());
  const fs::path full = fs::weakly_canonical(base / rel, ec);
  if (ec) return ioError(what + ": external data \"" + location + "\": " + ec.message());
  const std::string b = base.string() + "/", f = full.string();
  if (f.compare(0, b.size(), b) != 0)
    return unsupported(what + ": external data location \"" + location + "\" resolves to " + f +
                       ", outside the model's directory " + base.string() + " (a symlink?)");
  if (offset < 0 || (length >= 0 && length != bytes))
    return dataCorrupt(what + ": external data offset " + std::to_string(offset) + " / length " +
                       std::to_string(length) + " do not match the " + std::to_string(bytes) +
                       " bytes its dims need");
  LOOM_RETURN_IF_ERROR(checkRegularFile(f, "external data file"));
  const std::uintmax_t size = fs::file_size(full, ec);
  if (ec) return ioError(f + ": " + ec.message());
  if (static_cast<std::uintmax_t>(offset) > size ||
      size - static_cast<std::uintmax_t>(offset) < static_cast<std::uintmax_t>(bytes))
    return dataCorrupt(what + ": external data file " + f + " has " + std::to_string(size) +
                       " bytes, too few for " + std::to_string(bytes) + " at offset " +
                       std::to_string(offset));
  LOOM_ASSIGN_OR_RETURN(std::string data, readFile(f, static_cast<size_t>(size)));
  return data.substr(static_cast<size_t>(offset), static_cast<size_t>(bytes));
}

Expected<Value> Importer::readTensor(const onnx::TensorProto& t, const std::string& what) {
  Dims dims(t.dims().begin(), t.dims().end());
  const int type = t.data_type();
  const bool isFloat = type == onnx::TensorProto::FLOAT;
  const bool isInt = type == onnx::TensorProto::INT64 || type == onnx::TensorProto::INT32;
  if (!isFloat && !isInt)
    return unsupported(what + ": data type " + onnx::TensorProto_DataType_Name(type) +
                       " (only FLOAT, INT64 and INT32 tensors are imported)");
  const std::int64_t elemBytes = type == onnx::TensorProto::INT64 ? 8 : 4;
  const auto count = checkedNumElements(dims);
  const auto bytes = checkedNumElements(dims, elemBytes);
  if (!count || !bytes)
    return dataCorrupt(what + ": dims " + dimsToString(dims) +
                       " are negative or their product overflows 64 bits");
  if (*bytes > std::numeric_limits<std::int32_t>::max() || m_bytes + *bytes > memoryBudgetBytes())
    return unsupported(what + ": dims " + dimsToString(dims) + " claim " +
                       formatBytes(static_cast<double>(*bytes)) +
                       "; Loom imports tensors under 2 GiB within the memory budget of " +
                       formatBytes(static_cast<double>(memoryBudgetBytes())));
  if (t.segment().begin() != 0 || t.segment().end() != 0 || t.has_segment())
    return unsupported(what + ": segmented tensors are not imported");
  std::string raw;
  const bool external = t.data_location() == onnx::TensorProto::EXTERNAL;
  if (external) {
    LOOM_ASSIGN_OR_RETURN(raw, readExternal(t, what, *bytes));
  } else if (t.has_raw_data()) {
    if (static_cast<std::int64_t>(t.raw_data().size()) != *bytes)
      return dataCorrupt(what + ": raw_data has " + std::to_string(t.raw_data().size()) +
                         " bytes but dims " + dimsToString(dims) + " need " +
                         std::to_string(*bytes));
    raw = t.raw_data();
  } else {
    const std::int64_t have = isFloat                            ? t.float_data_size()
                              : type == onnx::TensorProto::INT64 ? t.int64_data_size()
                                                                 : t.int32_data_size();
    if (have != *count)
      return dataCorrupt(what + ": holds " + std::to_string(have) + " values but dims " +
                         dimsToString(dims) + " need " + std::to_string(*count));
  }
  m_bytes += *bytes;
  Value v;
  if (isFloat) {
    v.kind = Value::Float;
    v.tensor = Tensor(dims.empty() ? Dims{} : dims);
    if (!raw.empty())
      std::memcpy(v.tensor.raw(), raw.data(), raw.size());
    else if (*count > 0)
      std::memcpy(v.tensor.raw(), t.float_data().data(), static_cast<size_t>(*count) * 4);
    return v;
  }
  v.kind = Value::Ints;
  v.intDims = dims;
  v.ints.resize(static_cast<size_t>(*count));
  for (std::int64_t i = 0; i < *count; ++i) {
    if (!raw.empty()) {
      if (elemBytes == 8)
        std::memcpy(&v.ints[size_t(i)], raw.data() + i * 8, 8);
      else {
        std::int32_t x;
        std::memcpy(&x, raw.data() + i * 4, 4);
        v.ints[size_t(i)] = x;
      }
    } else {
      v.ints[size_t(i)] =
          elemBytes == 8 ? t.int64_data(static_cast<int>(i)) : t.int32_data(static_cast<int>(i));
    }
  }
  return v;
}

Status Importer::loadInitializers() {
  for (const auto& t : m_proto.graph().initializer()) {
    if (t.name().empty()) return dataCorrupt(m_source + ": an initializer has no name");
    LOOM_ASSIGN_OR_RETURN(Value v, readTensor(t, m_source + ": initializer \"" + t.name() + "\""));
    m_values[t.name()] = std::move(v);
  }
  return Status::ok();
}

Status Importer::declareInputs() {
  for (const auto& in : m_proto.graph().input()) {
    if (m_values.count(in.name())) continue;  // an initializer listed as input (IR < 4)
    const std::string what = m_source + ": graph input \"" + in.name() + "\"";
    if (!in.type().has_tensor_type() ||
        in.type().tensor_type().elem_type() != onnx::TensorProto::FLOAT)
      return unsupported(what + " is not a float tensor");
    const auto& shape = in.type().tensor_type().shape();
    if (shape.dim_size() < 2)
      return unsupported(what + " has rank " + std::to_string(shape.dim_size()) +
                         "; Loom inputs are [N, ...] with at least one per-sample dimension");
    std::vector<std::int64_t> perSample;
    for (int i = 1; i < shape.dim_size(); ++i) {
      if (!shape.dim(i).has_dim_value() || shape.dim(i).dim_value() < 1 ||
          shape.dim(i).dim_value() > (1 << 24))
        return unsupported(what + ": dimension " + std::to_string(i) +
                           " is not a fixed size in 1..16777216 (only the batch may be dynamic)");
      perSample.push_back(shape.dim(i).dim_value());
    }
    if (shape.dim(0).has_dim_value() && shape.dim(0).dim_value() != 1)
      m_notes.push_back("input \"" + in.name() + "\" had a fixed batch of " +
                        std::to_string(shape.dim(0).dim_value()) + "; Loom's batch is dynamic");
    Node node;
    node.name = m_model.graph.uniqueName(sanitizeName(in.name()));
    node.op = "Input";
    node.attrs["shape"] = perSample;
    LOOM_RETURN_IF_ERROR(m_model.graph.addNode(node));
    Value v;
    v.node = node.name;
    v.dims = {1};
    v.dims.insert(v.dims.end(), perSample.begin(), perSample.end());
    v.loomDims = v.dims;
    m_values[in.name()] = v;
  }
  return Status::ok();
}

// Kahn's algorithm over value names: a cycle, a value produced twice or an undefined input is
// refused here, before any node is imported.
Expected<std::vector<int>> Importer::nodeOrder() {
  const auto& nodes = m_proto.graph().node();
  std::map<std::string, int> producer;
  for (int i = 0; i < nodes.size(); ++i)
    for (const std::string& out : nodes[i].output()) {
      if (out.empty()) continue;
      if (m_values.count(out) || !producer.emplace(out, i).second)
        return unsupported(m_source + ": " + opLabel(nodes[i]) + ": value \"" + out +
                           "\" is produced twice (ONNX values are assigned once)");
    }
  std::vector<int> pending(static_cast<size_t>(nodes.size()), 0);
  std::vector<std::vector<int>> users(static_cast<size_t>(nodes.size()));
  for (int i = 0; i < nodes.size(); ++i)
    for (const std::string& in : nodes[i].input()) {
      if (in.empty()) continue;
      ++m_consumers[in];
      if (m_values.count(in)) continue;
      auto p = producer.find(in);
      if (p == producer.end())
        return unsupported(m_source + ": " + opLabel(nodes[i]) + ": input \"" + in +
                           "\" is neither a graph input, an initializer nor a node's output");
      ++pending[size_t(i)];
      users[size_t(p->second)].push_back(i);
    }
  for (const auto& out : m_proto.graph().output()) ++m_consumers[out.name()];
  std::vector<int> order, ready;
  for (int i = nodes.size() - 1; i >= 0; --i)
    if (pending[size_t(i)] == 0) ready.push_back(i);
  while (!ready.empty()) {
    const int i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (int u : users[size_t(i)])
      if (--pending[size_t(u)] == 0) ready.push_back(u);
  }
  if (order.size() != static_cast<size_t>(nodes.size()))
    for (int i = 0; i < nodes.size(); ++i)
      if (pending[size_t(i)] > 0)
        return unsupported(m_source + ": the graph has a cycle through " + opLabel(nodes[i]) +
                           " (ONNX graphs are acyclic)");
  return order;
}

Expected<const Value*> Importer::input(const onnx::NodeProto& n, int i) {
  if (!hasInput(n, i))
    return dataCorrupt(opLabel(n) + ": input " + std::to_string(i) + " is missing");
  auto it = m_values.find(n.input(i));
  if (it == m_values.end())
    return unsupported(opLabel(n) + ": input \"" + n.input(i) +
                       "\" comes from a node that was "
                       "not imported");
  return &it->second;
}

Expected<const Value*> Importer::runtimeInput(const onnx::NodeProto& n, int i) {
  LOOM_ASSIGN_OR_RETURN(const Value* v, input(n, i));
  if (v->kind != Value::Runtime)
    return unsupported(opLabel(n) + ": input \"" + n.input(i) +
                       "\" is a constant; Loom imports this op on computed values only");
  return v;
}

Expected<Tensor> Importer::floatInput(const onnx::NodeProto& n, int i) {
  LOOM_ASSIGN_OR_RETURN(const Value* v, input(n, i));
  if (v->kind != Value::Float)
    return unsupported(opLabel(n) + ": input \"" + n.input(i) +
                       "\" must be a float constant (an initializer) for Loom to import it");
  return v->tensor;
}

Expected<std::string> Importer::loomSource(const std::string& valueName) {
  Value& v = m_values.at(valueName);
  if (v.dims == v.loomDims) return v.node;
  Node node;
  node.name = m_model.graph.uniqueName(v.node + "/unflatten");
  node.op = "Reshape";
  node.inputs = {v.node};
  node.attrs["shape"] = std::vector<std::int64_t>(v.dims.begin() + 1, v.dims.end());
  LOOM_RETURN_IF_ERROR(m_model.graph.addNode(node));
  v.node = node.name;
  v.loomDims = v.dims;
  return node.name;
}

Status Importer::addNode(const onnx::NodeProto& n, const std::string& opName,
                         const std::vector<std::string>& inputValues, AttrMap attrs,
                         const std::vector<std::pair<std::string, Tensor>>& params,
                         const std::string& output, std::string name) {
  const Op* op = OpRegistry::global().find(opName);
  if (!op) return internalError("op " + opName + " is not registered");
  Node node;
  node.name = m_model.graph.uniqueName(sanitizeName(!name.empty()       ? name
                                                    : !n.name().empty() ? n.name()
                                                                        : output));
  node.op = opName;
  node.attrs = std::move(attrs);
  std::vector<Dims> inDims;
  for (const std::string& v : inputValues) {
    LOOM_ASSIGN_OR_RETURN(std::string src, loomSource(v));
    node.inputs.push_back(src);
    inDims.push_back(m_values.at(v).loomDims);
  }
  auto resolved = resolveAttrs(op->schema(), node.attrs);
  if (!resolved) return resolved.status().withContext(opLabel(n));
  auto shape = op->inferShapes(inDims, *resolved);
  if (!shape) return shape.status().withContext(opLabel(n) + " as Loom " + opName);
  if (shape->params.size() != params.size())
    return internalError(opLabel(n) + ": Loom " + opName + " wants " +
                         std::to_string(shape->params.size()) + " parameters, importer has " +
                         std::to_string(params.size()));
  for (size_t i = 0; i < params.size(); ++i) {
    if (shape->params[i].dims != params[i].second.dims())
      return unsupported(opLabel(n) + ": parameter " + params[i].first + " has shape " +
                         dimsToString(params[i].second.dims()) + " but Loom " + opName + " needs " +
                         dimsToString(shape->params[i].dims));
    m_model.parameters[node.name + "." + shape->params[i].name] = params[i].second;
  }
  LOOM_RETURN_IF_ERROR(m_model.graph.addNode(node));
  Value v;
  v.node = node.name;
  v.dims = shape->output;
  v.loomDims = shape->output;
  m_values[output] = v;
  m_nodeOfValue[output] = node.name;
  return Status::ok();
}

Expected<std::array<std::int64_t, 4>> Importer::windowPads(const onnx::NodeProto& n, const Dims& in,
                                                           const std::vector<std::int64_t>& k,
                                                           const std::vector<std::int64_t>& s,
                                                           const std::vector<std::int64_t>& d) {
  const std::string autoPad = attrString(n, "auto_pad", "NOTSET");
  std::array<std::int64_t, 4> pads{0, 0, 0, 0};
  if (autoPad == "NOTSET") {
    auto p = attrInts(n, "pads").value_or(std::vector<std::int64_t>{0, 0, 0, 0});
    if (p.size() != 4)
      return unsupported(opLabel(n) + ": pads has " + std::to_string(p.size()) +
                         " values; 2-D windows need 4");
    for (int i = 0; i < 4; ++i) {
      if (p[size_t(i)] < 0) return unsupported(opLabel(n) + ": negative pads");
      pads[size_t(i)] = p[size_t(i)];
    }
    return pads;
  }
  if (autoPad == "VALID") return pads;
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return unsupported(opLabel(n) + ": auto_pad \"" + autoPad + "\" is unknown");
  for (int i = 0; i < 2; ++i) {
    const std::int64_t size = in[size_t(2 + i)], out = (size + s[size_t(i)] - 1) / s[size_t(i)];
    const std::int64_t total = std::max<std::int64_t>(
        (out - 1) * s[size_t(i)] + (k[size_t(i)] - 1) * d[size_t(i)] + 1 - size, 0);
    const std::int64_t small = total / 2, large = total - small;
    pads[size_t(i)] = autoPad == "SAME_UPPER" ? small : large;      // begin
    pads[size_t(i + 2)] = autoPad == "SAME_UPPER" ? large : small;  // end
  }
  return pads;
}

Status Importer::importConv(const onnx::NodeProto& n) {
  LOOM_ASSIGN_OR_RETURN(const Value* x, runtimeInput(n, 0));
  LOOM_ASSIGN_OR_RETURN(Tensor w, floatInput(n, 1));
  if (x->dims.size() != 4 || w.rank() != 4)
    return unsupportedNode(n, "only 2-D convolutions ([N, C, H, W] input, 4-D weights) import");
  const std::vector<std::int64_t> k =
      attrInts(n, "kernel_shape").value_or(std::vector<std::int64_t>{w.dim(2), w.dim(3)});
  const auto s = attrInts(n, "strides").value_or(std::vector<std::int64_t>{1, 1});
  const auto d = attrInts(n, "dilations").value_or(std::vector<std::int64_t>{1, 1});
  if (k.size() != 2 || s.size() != 2 || d.size() != 2 || k[0] != w.dim(2) || k[1] != w.dim(3))
    return unsupportedNode(n,
                           "kernel_shape/strides/dilations are not 2-D or disagree with "
                           "the weights " +
                               dimsToString(w.dims()));
  LOOM_ASSIGN_OR_RETURN(auto pads, windowPads(n, x->dims, k, s, d));
  AttrMap a;
  a["filters"] = w.dim(0);
  a["kernel_size"] = k;
  a["stride"] = s;
  a["dilation"] = d;
  a["groups"] = attrInt(n, "group", 1);
  const bool padded = pads[0] || pads[1] || pads[2] || pads[3];
  a["padding"] = std::string(padded ? "explicit" : "valid");
  if (padded) a["pads"] = std::vector<std::int64_t>(pads.begin(), pads.end());
  std::vector<std::pair<std::string, Tensor>> params = {{"weights", w}};
  if (hasInput(n, 2)) {
    LOOM_ASSIGN_OR_RETURN(Tensor b, floatInput(n, 2));
    params.push_back({"bias", b});
  }
  a["use_bias"] = params.size() > 1;
  return addNode(n, "Conv2D", {n.input(0)}, a, params, n.output(0));
}

Tensor transposed2D(const Tensor& t) {
  Tensor out({t.dim(1), t.dim(0)});
  // Zero elements but a huge dimension (found by fuzz_onnx_import): no loop over it.
  if (t.numel() == 0) return out;
  for (std::int64_t i = 0; i < t.dim(0); ++i)
    for (std::int64_t j = 0; j < t.dim(1); ++j)
      out.f32()[j * t.dim(0) + i] = t.f32()[i * t.dim(1) + j];
  return out;
}

Status Importer::importGemm(const onnx::NodeProto& n) {
  LOOM_ASSIGN_OR_RETURN(const Value* x, runtimeInput(n, 0));
  LOOM_ASSIGN_OR_RETURN(Tensor b, floatInput(n, 1));
  if (attrInt(n, "transA", 0) != 0) return unsupportedNode(n, "transA = 1 is not imported");
  if (x->dims.size() != 2 || b.rank() != 2)
    return unsupportedNode(n, "Gemm needs A [N, K] and a 2-D B");
  const double alpha = attrFloat(n, "alpha", 1.0), beta = attrFloat(n, "beta", 1.0);
  Tensor w = attrInt(n, "transB", 0) ? b.clone() : transposed2D(b);  // [units, K]
  for (std::int64_t i = 0; i < w.numel(); ++i) w.f32()[i] = static_cast<float>(w.f32()[i] * alpha);
  const std::int64_t units = w.dim(0);
  std::vector<std::pair<std::string, Tensor>> params = {{"weights", w}};
  if (hasInput(n, 2)) {
    LOOM_ASSIGN_OR_RETURN(Tensor c, floatInput(n, 2));
    if (c.numel() != units && c.numel() != 1)
      return unsupportedNode(n, "C of shape " + dimsToString(c.dims()) + " is not a bias of " +
                                    std::to_string(units) + " values");
    Tensor bias({units});
    for (std::int64_t u = 0; u < units; ++u)
      bias.f32()[u] = static_cast<float>(beta * c.f32()[c.numel() == 1 ? 0 : u]);
    params.push_back({"bias", bias});
  }
  if (alpha != 1.0 || (hasInput(n, 2) && beta != 1.0))
    m_notes.push_back(opLabel(n) + ": alpha/beta folded into the weights");
  AttrMap a{{"units", units}, {"use_bias", params.size() > 1}};
  return addNode(n, "Dense", {n.input(0)}, a, params, n.output(0));
}

Status Importer::importMatMul(const onnx::NodeProto& n) {
  LOOM_ASSIGN_OR_RETURN(const Value* x, runtimeInput(n, 0));
  LOOM_ASSIGN_OR_RETURN(Tensor b, floatInput(n, 1));
  if (x->dims.size() != 2 || b.rank() != 2)
    return unsupportedNode(n,
                           "only [N, K] x [K, M] with a constant right side imports (as "
                           "Dense)");
  AttrMap a{{"units", b.dim(1)}, {"use_bias", false}};
  return addNode(n, "Dense", {n.input(0)}, a, {{"weights", transposed2D(b)}}, n.output(0));
}

// A constant added to a Conv2D's or Dense's only output is its bias (CNTK and MatMul+Add).
Status Importer::importAdd(const onnx::NodeProto& n) {
  if (n.input_size() != 2) return unsupportedNode(n, "Add needs two inputs");
  LOOM_ASSIGN_OR_RETURN(const Value* a, input(n, 0));
  LOOM_ASSIGN_OR_RETURN(const Value* b, input(n, 1));
  if (a->kind == Value::Runtime && b->kind == Value::Runtime) {
    if (a->dims != b->dims)
      return unsupportedNode(n, "broadcasting " + dimsToString(a->dims) + " + " +
                                    dimsToString(b->dims) + " between computed values");
    return addNode(n, "Add", {n.input(0), n.input(1)}, {}, {}, n.output(0));
  }
  const bool aRuntime = a->kind == Value::Runtime;
  const Value* x = aRuntime ? a : b;
  const Value* c = aRuntime ? b : a;
  const std::string& xName = n.input(aRuntime ? 0 : 1);
  if (x->kind != Value::Runtime || c->kind != Value::Float)
    return unsupportedNode(n, "Add of two constants or of integers is not imported");
  auto producer = m_nodeOfValue.find(xName);
  Node* node = producer == m_nodeOfValue.end() ? nullptr : m_model.graph.find(producer->second);
  if (!node || (node->op != "Conv2D" && node->op != "Dense") || m_consumers[xName] != 1)
    return unsupportedNode(n,
                           "adding a constant is imported only as the bias of a Conv/Gemm/"
                           "MatMul whose output nothing else reads");
  // The constant must broadcast as one value per channel (dims [..., C, 1, 1] or [..., C]).
  const std::int64_t channels = x->dims[1];
  const Dims& cd = c->tensor.dims();
  // Right-aligned broadcasting: cd[i] meets axis R - r + i of x; only axis 1 may be C.
  const size_t R = x->dims.size(), r = cd.size();
  bool perChannel = c->tensor.numel() == channels && r <= R && R - r <= 1;
  for (size_t i = 0; perChannel && i < r; ++i)
    perChannel = cd[i] == (R - r + i == 1 ? channels : 1);
  if (!perChannel)
    return unsupportedNode(n, "the constant of shape " + dimsToString(cd) +
                                  " is not one value per channel of " + dimsToString(x->dims));
  const std::string biasName = node->name + ".bias";
  Tensor bias({channels});
  if (auto old = m_model.parameters.find(biasName); old != m_model.parameters.end())
    bias = old->second.clone();
  for (std::int64_t i = 0; i < channels; ++i) bias.f32()[i] += c->tensor.f32()[i];
  node->attrs["use_bias"] = true;
  m_model.parameters[biasName] = bias;
  m_notes.push_back(opLabel(n) + " became the bias of \"" + node->name + "\"");
  alias(n.output(0), xName);
  return Status::ok();
}

Status Importer::importBatchNorm(const onnx::NodeProto& n) {
  LOOM_ASSIGN_OR_RETURN(const Value* x, runtimeInput(n, 0));
  (void)x;
  if (attrInt(n, "training_mode", 0) != 0 || (n.output_size() > 1 && !n.output(1).empty()))
    return unsupportedNode(n, "training-mode BatchNormalization (extra outputs) is not imported");
  if (m_opset < 9 && attrInt(n, "spatial", 1) != 1)
    return unsupportedNode(n, "spatial = 0 is not imported");
  std::vector<std::pair<std::string, Tensor>> params;
  const char* names[] = {"gamma", "beta", "running_mean", "running_var"};
  for (int i = 0; i < 4; ++i) {
    LOOM_ASSIGN_OR_RETURN(Tensor t, floatInput(n, i + 1));
    params.push_back({names[i], t});
  }
  const double momentum = std::clamp(1.0 - attrFloat(n, "momentum", 0.9), 0.0, 1.0);
  AttrMap a{{"epsilon", attrFloat(n, "epsilon", 1e-5)}, {"momentum", momentum}};
  return addNode(n, "BatchNorm", {n.input(0)}, a, params, n.output(0));
}

Status Importer::importPool(const onnx::NodeProto& n, bool max) {
  LOOM_ASSIGN_OR_RETURN(const Value* x, runtimeInput(n, 0));
  if (x->dims.size() != 4) return unsupportedNode(n, "only 2-D pooling imports");
  if (max && n.output_size() > 1 && !n.output(1).empty())
    return unsupportedNode(n, "the Indices output is not imported");
  const auto k = attrInts(n, "kernel_shape");
  if (!k || k->size() != 2) return unsupportedNode(n, "kernel_shape must have 2 values");
  const auto s = attrInts(n, "strides").value_or(std::vector<std::int64_t>{1, 1});
  const auto d = attrInts(n, "dilations").value_or(std::vector<std::int64_t>{1, 1});
  if (s.size() != 2 || d != std::vector<std::int64_t>{1, 1})
    return unsupportedNode(n, "dilated pooling is not imported");
  if (attrInt(n, "storage_order", 0) != 0) return unsupportedNode(n, "storage_order = 1");
  LOOM_ASSIGN_OR_RETURN(auto pads, windowPads(n, x->dims, *k, s, d));
  if (attrInt(n, "ceil_mode", 0) != 0) {
    for (int i = 0; i < 2; ++i) {
      const std::int64_t span =
          x->dims[size_t(2 + i)] + pads[size_t(i)] + pads[size_t(i + 2)] - (*k)[size_t(i)];
      if (span % s[size_t(i)] != 0)
        return unsupportedNode(n,
                               "ceil_mode = 1 changes the output size here (Loom pools in "
                               "floor mode)");
    }
  }
  AttrMap a{{"pool_size", *k}, {"stride", s}};
  const bool padded = pads[0] || pads[1] || pads[2] || pads[3];
  a["padding"] = std::string(padded ? "explicit" : "valid");
  if (padded) a["pads"] = std::vector<std::int64_t>(pads.begin(), pads.end());
  if (!max) a["count_include_pad"] = attrInt(n, "count_include_pad", 0) != 0;
  return addNode(n, max ? "MaxPool2D" : "AvgPool2D", {n.input(0)}, a, {}, n.output(0));
}

Status Importer::importFlatten(const onnx::NodeProto& n) {
  LOOM_ASSIGN_OR_RETURN(const Value* x, runtimeInput(n, 0));
  std::int64_t axis = attrInt(n, "axis", 1);
  if (axis < 0) axis += static_cast<std::int64_t>(x->dims.size());
  if (axis != 1) return unsupportedNode(n, "axis " + std::to_string(axis) + " (only 1 imports)");
  const Dims flat = {x->dims[0], productFrom(x->dims, 1)};
  if (x->loomDims == flat) {  // already [N, features] in Loom (after GlobalAvgPool)
    Value v = *x;
    v.dims = flat;
    m_values[n.output(0)] = v;
    return Status::ok();
  }
  return addNode(n, "Flatten", {n.input(0)}, {}, {}, n.output(0));
}

Status Importer::importReshape(const onnx::NodeProto& n) {
  LOOM_ASSIGN_OR_RETURN(const Value* x, input(n, 0));
  LOOM_ASSIGN_OR_RETURN(const Value* shape, input(n, 1));
  if (shape->kind != Value::Ints)
    return unsupportedNode(n, "the target shape is not a constant Loom can fold");
  std::vector<std::int64_t> t = shape->ints;
  const bool allowZero = attrInt(n, "allowzero", 0) != 0;
  if (x->kind == Value::Float) {  // a constant reshaped (CNTK's weights): fold it
    Dims dims;
    std::int64_t known = 1;
    int infer = -1;
    for (size_t i = 0; i < t.size(); ++i) {
      std::int64_t v = t[i];
      if (v == 0 && !allowZero) {
        if (i >= x->tensor.dims().size()) return unsupportedNode(n, "0 beyond the input rank");
        v = x->tensor.dim(static_cast<int>(i));
      }
      if (v == -1) {
        if (infer >= 0) return unsupportedNode(n, "two -1 in the target shape");
        infer = static_cast<int>(i);
        dims.push_back(1);
        continue;
      }
      if (v < 0) return unsupportedNode(n, "negative target dimension");
      dims.push_back(v);
      known *= v;
    }
    if (infer >= 0) dims[size_t(infer)] = known > 0 ? x->tensor.numel() / known : 0;
    if (numElements(dims) != x->tensor.numel())
      return unsupportedNode(
          n, "target shape " + attrToString(t) + " does not fit " + dimsToString(x->tensor.dims()));
    Value v;
    v.kind = Value::Float;
    v.tensor = x->tensor.clone().reshaped(dims);
    m_values[n.output(0)] = v;
    m_notes.push_back(opLabel(n) + ": folded (constant reshaped)");
    return Status::ok();
  }
  if (x->kind != Value::Runtime) return unsupportedNode(n, "reshaping integers is not imported");
  if (t.empty()) return unsupportedNode(n, "empty target shape");
  // The first entry must stay the batch.
  const std::int64_t perSampleIn = productFrom(x->dims, 1);
  std::vector<std::int64_t> rest(t.begin() + 1, t.end());
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == kBatch) return unsupportedNode(n, "the batch moves to another dimension");
    if (rest[i] == 0 && !allowZero) {
      if (i + 1 >= x->dims.size()) return unsupportedNode(n, "0 beyond the input rank");
      rest[i] = x->dims[i + 1];
    }
  }
  std::int64_t restKnown = 1;
  bool restInfer = false;
  for (std::int64_t v : rest) {
    if (v == -1)
      restInfer = true;
    else if (v < 1)
      return unsupportedNode(n, "target dimension " + std::to_string(v));
    else
      restKnown *= v;
  }
  const bool batchFirst = t[0] == kBatch || (t[0] == 0 && !allowZero) ||
                          (t[0] == -1 && !restInfer && restKnown == perSampleIn) ||
                          (t[0] == x->dims[0] && x->dims[0] == 1);
  if (!batchFirst)
    return unsupportedNode(
        n, "target shape " + attrToString(t) + " does not keep the batch as its first dimension");
  if (rest.size() == 1 && (rest[0] == -1 || rest[0] == perSampleIn)) {
    onnx::NodeProto flatten = n;
    flatten.clear_attribute();
    return importFlatten(flatten);
  }
  return addNode(n, "Reshape", {n.input(0)}, {{"shape", rest}}, {}, n.output(0));
}

Status Importer::importConcat(const onnx::NodeProto& n) {
  const auto axisAttr = findAttr(n, "axis");
  if (!axisAttr) return unsupportedNode(n, "axis is required");
  std::vector<const Value*> ins;
  for (int i = 0; i < n.input_size(); ++i) {
    LOOM_ASSIGN_OR_RETURN(const Value* v, input(n, i));
    ins.push_back(v);
  }
  if (ins.empty()) return unsupportedNode(n, "no inputs");
  if (std::all_of(ins.begin(), ins.end(), [](auto v) { return v->kind == Value::Ints; })) {
    std::vector<std::int64_t> all;
    for (const Value* v : ins) {
      if (v->intDims.size() != 1) return unsupportedNode(n, "concatenating non-1-D integers");
      all.insert(all.end(), v->ints.begin(), v->ints.end());
    }
    setInts(n.output(0), all, {static_cast<std::int64_t>(all.size())});
    return Status::ok();
  }
  std::vector<std::string> names;
  for (int i = 0; i < n.input_size(); ++i) {
    if (ins[size_t(i)]->kind != Value::Runtime)
      return unsupportedNode(n, "mixing constants and computed values");
    names.push_back(n.input(i));
  }
  std::int64_t axis = axisAttr->i();
  if (axis < 0) axis += static_cast<std::int64_t>(ins[0]->dims.size());
  if (axis == 0) return unsupportedNode(n, "concatenating along the batch");
  return addNode(n, "Concat", names, {{"axis", axis}}, {}, n.output(0));
}

Status Importer::importSoftmax(const onnx::NodeProto& n) {
  LOOM_ASSIGN_OR_RETURN(const Value* x, runtimeInput(n, 0));
  const auto rank = static_cast<std::int64_t>(x->dims.size());
  std::int64_t axis = attrInt(n, "axis", m_opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  // Before opset 13 Softmax flattened to 2-D at `axis`: the same as per-axis only when
  // `axis` is the last dimension.
  if (m_opset < 13 && axis != rank - 1)
    return unsupportedNode(n, "opset " + std::to_string(m_opset) + " Softmax over axis " +
                                  std::to_string(axis) + " of rank " + std::to_string(rank) +
                                  " (coerced to 2-D) has no Loom equivalent");
  return addNode(n, "Softmax", {n.input(0)}, {{"axis", axis}}, {}, n.output(0));
}

Status Importer::importConstant(const onnx::NodeProto& n) {
  if (n.attribute_size() != 1) return unsupportedNode(n, "needs exactly one value attribute");
  const auto& a = n.attribute(0);
  if (a.name() == "value") {
    LOOM_ASSIGN_OR_RETURN(Value v, readTensor(a.t(), opLabel(n)));
    m_values[n.output(0)] = std::move(v);
  } else if (a.name() == "value_float") {
    Value v;
    v.kind = Value::Float;
    v.tensor = Tensor({1});
    v.tensor.f32()[0] = a.f();
    m_values[n.output(0)] = v;
  } else if (a.name() == "value_floats") {
    Value v;
    v.kind = Value::Float;
    v.tensor = Tensor({a.floats_size()});
    for (int i = 0; i < a.floats_size(); ++i) v.tensor.f32()[i] = a.floats(i);
    m_values[n.output(0)] = v;
  } else if (a.name() == "value_int") {
    setInts(n.output(0), {a.i()}, {});
  } else if (a.name() == "value_ints") {
    setInts(n.output(0), {a.ints().begin(), a.ints().end()}, {a.ints_size()});
  } else {
    return unsupportedNode(n, "attribute \"" + a.name() + "\" is not imported");
  }
  return Status::ok();
}

// Shape arithmetic on constants (PyTorch's x.view(x.size(0), -1)): Shape, Gather, Unsqueeze,
// Squeeze, Cast, Identity on integer constants.
Status Importer::importShapeOps(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  LOOM_ASSIGN_OR_RETURN(const Value* x, input(n, 0));
  if (op == "Shape") {
    std::vector<std::int64_t> dims;
    if (x->kind == Value::Runtime) {
      dims = {kBatch};
      dims.insert(dims.end(), x->dims.begin() + 1, x->dims.end());
    } else if (x->kind == Value::Float) {
      dims = x->tensor.dims();
    } else {
      dims = x->intDims;
    }
    const auto r = static_cast<std::int64_t>(dims.size());
    std::int64_t start = attrInt(n, "start", 0), end = attrInt(n, "end", r);
    if (start < 0) start += r;
    if (end < 0) end += r;
    start = std::clamp<std::int64_t>(start, 0, r);
    end = std::clamp<std::int64_t>(end, start, r);
    std::vector<std::int64_t> v(dims.begin() + start, dims.begin() + end);
    setInts(n.output(0), v, {static_cast<std::int64_t>(v.size())});
    return Status::ok();
  }
  if (op == "Pad") {  // torch's avg_pool2d writes a Pad of zeros before AveragePool
    std::vector<std::int64_t> pads;
    if (m_opset >= 11) {
      LOOM_ASSIGN_OR_RETURN(const Value* p, input(n, 1));
      if (p->kind != Value::Ints) return unsupportedNode(n, "pads must be constant");
      pads = p->ints;
    } else {
      pads = attrInts(n, "pads").value_or(std::vector<std::int64_t>{});
    }
    if (std::any_of(pads.begin(), pads.end(), [](std::int64_t v) { return v != 0; }))
      return unsupportedNode(
          n, "non-zero padding " + attrToString(pads) + " as a separate node is not imported");
    alias(n.output(0), n.input(0));
    return Status::ok();
  }
  if (op == "Identity" || op == "Dropout") {
    if (n.output_size() > 1 && !n.output(1).empty())
      return unsupportedNode(n, "the mask output is not imported");
    if (op == "Dropout" && x->kind == Value::Runtime)
      m_notes.push_back(opLabel(n) + ": left out (the identity in inference)");
    alias(n.output(0), n.input(0));
    return Status::ok();
  }
  if (x->kind != Value::Ints)
    return unsupportedNode(n, op + " is imported only on integer constants (shape arithmetic)");
  if (op == "Cast") {
    const std::int64_t to = attrInt(n, "to", 0);
    if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32)
      return unsupportedNode(n, "cast of integers to type " + std::to_string(to));
    alias(n.output(0), n.input(0));
    return Status::ok();
  }
  if (op == "Gather") {
    LOOM_ASSIGN_OR_RETURN(const Value* idx, input(n, 1));
    if (idx->kind != Value::Ints || x->intDims.size() != 1 || attrInt(n, "axis", 0) != 0)
      return unsupportedNode(n, "only gathering from a 1-D integer constant folds");
    std::vector<std::int64_t> out;
    const auto size = static_cast<std::int64_t>(x->ints.size());
    for (std::int64_t i : idx->ints) {
      if (i < 0) i += size;
      if (i < 0 || i >= size) return unsupportedNode(n, "index out of range");
      out.push_back(x->ints[size_t(i)]);
    }
    setInts(n.output(0), out, idx->intDims);
    return Status::ok();
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    std::vector<std::int64_t> axes;
    if (m_opset >= 13 && hasInput(n, 1)) {
      LOOM_ASSIGN_OR_RETURN(const Value* ax, input(n, 1));
      if (ax->kind != Value::Ints) return unsupportedNode(n, "axes must be constant");
      axes = ax->ints;
    } else {
      axes = attrInts(n, "axes").value_or(std::vector<std::int64_t>{});
    }
    Dims dims = x->intDims;
    if (op == "Unsqueeze") {
      if (dims.size() + axes.size() > 1) return unsupportedNode(n, "result is not 1-D");
      dims = {static_cast<std::int64_t>(x->ints.size())};
    } else {
      if (dims.size() != 1 || dims[0] != 1) return unsupportedNode(n, "only [1] -> scalar");
      dims = {};
    }
    setInts(n.output(0), x->ints, dims);
    return Status::ok();
  }
  return unsupportedNode(n, "not imported");
}

Status Importer::importPattern(const onnx::NodeProto& last, const OnnxPatternMatch& p) {
  auto x = m_values.find(p.input);
  if (x == m_values.end())
    return unsupportedNode(last, "input \"" + p.input + "\" of " + p.op + " was not imported");
  if (x->second.kind != Value::Runtime)
    return unsupportedNode(last, p.op + " of a constant is not imported (nothing to compute)");
  m_notes.push_back(p.summary);
  return addNode(last, p.op, {p.input}, p.attrs, {}, p.output, p.name);
}

Status Importer::importNode(const onnx::NodeProto& n) {
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    return unsupportedNode(n, "operator domain \"" + n.domain() + "\" is not ONNX's");
  if (n.output_size() < 1 || n.output(0).empty()) return unsupportedNode(n, "no output");
  const std::string& op = n.op_type();
  static const std::map<std::string, std::string> unary = {{"Relu", "ReLU"},
                                                           {"Sigmoid", "Sigmoid"},
                                                           {"Tanh", "Tanh"},
                                                           {"LeakyRelu", "LeakyReLU"},
                                                           {"Elu", "ELU"}};
  if (auto u = unary.find(op); u != unary.end()) {
    LOOM_ASSIGN_OR_RETURN(const Value* x, runtimeInput(n, 0));
    (void)x;
    AttrMap a;
    if (op == "LeakyRelu") a["alpha"] = attrFloat(n, "alpha", 0.01);
    if (op == "Elu") a["alpha"] = attrFloat(n, "alpha", 1.0);
    return addNode(n, u->second, {n.input(0)}, a, {}, n.output(0));
  }
  if (op == "Conv") return importConv(n);
  if (op == "Gemm") return importGemm(n);
  if (op == "MatMul") return importMatMul(n);
  if (op == "Add") return importAdd(n);
  if (op == "BatchNormalization") return importBatchNorm(n);
  if (op == "MaxPool") return importPool(n, true);
  if (op == "AveragePool") return importPool(n, false);
  if (op == "GlobalAveragePool") {
    LOOM_ASSIGN_OR_RETURN(const Value* x, runtimeInput(n, 0));
    if (x->dims.size() != 4) return unsupportedNode(n, "only [N, C, H, W] inputs import");
    Dims onnxDims = {x->dims[0], x->dims[1], 1, 1};
    LOOM_RETURN_IF_ERROR(addNode(n, "GlobalAvgPool", {n.input(0)}, {}, {}, n.output(0)));
    m_values[n.output(0)].dims = onnxDims;
    return Status::ok();
  }
  if (op == "Flatten") return importFlatten(n);
  if (op == "Reshape") return importReshape(n);
  if (op == "Concat") return importConcat(n);
  if (op == "Softmax") return importSoftmax(n);
  if (op == "Constant") return importConstant(n);
  if (op == "Shape" || op == "Gather" || op == "Unsqueeze" || op == "Squeeze" || op == "Cast" ||
      op == "Identity" || op == "Dropout" || op == "Pad")
    return importShapeOps(n);
  return unsupportedNode(n, "op type " + op + " has no Loom equivalent");
}

Status Importer::setOutput() {
  const auto& outs = m_proto.graph().output();
  if (outs.size() != 1)
    return unsupported(m_source + ": the graph has " + std::to_string(outs.size()) +
                       " outputs; Loom models have one");
  auto it = m_values.find(outs[0].name());
  if (it == m_values.end() || it->second.kind != Value::Runtime || it->second.node.empty())
    return unsupported(m_source + ": graph output \"" + outs[0].name() +
                       "\" is not computed by an imported node");
  LOOM_ASSIGN_OR_RETURN(std::string node, loomSource(outs[0].name()));
  if (m_model.graph.find(node)->op == "Input")
    return unsupported(m_source + ": the graph output is its input (nothing to compute)");
  m_model.graph.setOutput(node);
  return Status::ok();
}

Expected<OnnxImportResult> Importer::run() {
  LOOM_RETURN_IF_ERROR(checkHeader());
  LOOM_RETURN_IF_ERROR(loadInitializers());
  LOOM_RETURN_IF_ERROR(declareInputs());
  LOOM_ASSIGN_OR_RETURN(std::vector<int> order, nodeOrder());
  // Patterns are found on the whole graph first: a matched node is imported at the pattern's
  // last node (as one Loom node), the others are skipped.
  const OnnxPatternScan patterns = findOnnxPatterns(m_proto.graph());
  std::map<int, const OnnxPatternMatch*> patternAt;
  std::set<int> replaced;
  for (const OnnxPatternMatch& p : patterns.matches) {
    patternAt[p.last] = &p;
    replaced.insert(p.nodes.begin(), p.nodes.end());
  }
  std::vector<std::string> problems;
  std::set<std::string> poisoned;  // outputs of refused nodes: their consumers stay quiet
  for (int i : order) {
    const onnx::NodeProto& n = m_proto.graph().node(i);
    const auto pattern = patternAt.find(i);
    if (pattern == patternAt.end() && replaced.count(i)) continue;
    const std::vector<std::string> reads =
        pattern != patternAt.end() ? std::vector<std::string>{pattern->second->input}
                                   : std::vector<std::string>(n.input().begin(), n.input().end());
    const bool downstream = std::any_of(reads.begin(), reads.end(),
                                        [&](const std::string& s) { return poisoned.count(s); });
    Status st = downstream                   ? unsupported("")
                : pattern != patternAt.end() ? importPattern(n, *pattern->second)
                                             : importNode(n);
    if (!st) {
      if (!downstream) problems.push_back(st.message());
      for (const std::string& o : n.output()) poisoned.insert(o);
    }
  }
  if (!problems.empty()) {
    std::string text =
        m_source + ": " + std::to_string(problems.size()) + " node(s) cannot be imported:";
    for (const std::string& p : problems) text += "\n  " + p;
    // Why an Erf or Tanh was not read as GELU: often the refused Div or Mul above is its
    // neighbour, and the Erf itself is quiet (downstream of a refused node).
    for (const std::string& p : patterns.nearMisses) text += "\n  " + p;
    return unsupported(text);
  }
  LOOM_RETURN_IF_ERROR(setOutput());
  // Nodes whose outputs nothing uses (e.g. a Shape branch that was folded) leave no trace;
  // a Loom node computing nothing the output needs is removed.
  LOOM_RETURN_IF_ERROR(m_model.graph.checkStructure().withContext(m_source));
  placeByDepth(m_model.graph);  // ONNX has no canvas positions
  const std::string stem = fs::path(m_source).stem().string();
  m_model.name = sanitizeName(m_proto.graph().name().empty() ? stem : m_proto.graph().name());
  m_model.description = "Imported from " + fs::path(m_source).filename().string() + " (" +
                        m_proto.producer_name() + " " + m_proto.producer_version() + ", opset " +
                        std::to_string(m_opset) + ")";
  std::map<std::string, std::string> meta;
  for (const auto& e : m_proto.metadata_props()) meta[e.key()] = e.value();
  if (auto k = meta.find("loom.dataset.kind"); k != meta.end()) {
    m_model.dataset.set_kind(k->second);
    if (auto p = meta.find("loom.dataset.path"); p != meta.end())
      m_model.dataset.set_path(p->second);
    try {
      if (auto m = meta.find("loom.preprocess.mean"); m != meta.end())
        m_model.dataset.set_mean(std::stod(m->second));
      if (auto s = meta.find("loom.preprocess.std"); s != meta.end())
        m_model.dataset.set_std(std::stod(s->second));
    } catch (const std::exception&) {
      m_notes.push_back("metadata mean/std are not numbers; the data set defaults apply");
    }
  }
  OnnxImportResult result;
  result.model = std::move(m_model);
  result.notes = std::move(m_notes);
  return result;
}

}  // namespace

Expected<OnnxImportResult> importOnnxBytes(const std::string& bytes, const std::string& source,
                                           const std::string& baseDir) {
  LOOM_ASSIGN_OR_RETURN(auto proto, parseOnnxBytes(bytes, source));
  Importer importer(*proto, source, baseDir);
  return importer.run();
}

Expected<OnnxImportResult> importOnnx(const std::string& path) {
  LOOM_ASSIGN_OR_RETURN(std::string bytes, readFile(path));
  const fs::path dir = fs::path(path).parent_path();
  return importOnnxBytes(bytes, path, dir.empty() ? "." : dir.string());
}

}  // namespace loom
