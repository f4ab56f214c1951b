#include "engine/interop/onnx_export.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <set>

#include "engine/core/version.h"
#include "engine/exec/parameters.h"
#include "engine/graph/analysis.h"
#include "engine/interop/onnx_check.h"
#include "engine/ops/onnx_mapping.h"

namespace loom {

namespace {

constexpr const char* kBatchDim = "N";  // the symbolic batch dimension of inputs and outputs

Status checkOpset(int opset) {
  for (int o : kOnnxOpsets)
    if (o == opset) return Status::ok();
  return invalidArgument("opset " + std::to_string(opset) +
                         " is not one Loom writes; choose 13 or 17");
}

int irVersionFor(int opset) {
  return opset >= 15 ? 8 : 7;  // onnx.helper.find_min_ir_version_for (FORMATS.md §2.1)
}

void setAttr(onnx::AttributeProto& a, const std::string& name, const AttrValue& v) {
  a.set_name(name);
  if (auto* i = std::get_if<std::int64_t>(&v)) {
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(*i);
  } else if (auto* b = std::get_if<bool>(&v)) {
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(*b ? 1 : 0);
  } else if (auto* f = std::get_if<double>(&v)) {
    a.set_type(onnx::AttributeProto::FLOAT);
    a.set_f(static_cast<float>(*f));
  } else if (auto* s = std::get_if<std::string>(&v)) {
    a.set_type(onnx::AttributeProto::STRING);
    a.set_s(*s);
  } else if (auto* is = std::get_if<std::vector<std::int64_t>>(&v)) {
    a.set_type(onnx::AttributeProto::INTS);
    for (std::int64_t x : *is) a.add_ints(x);
  } else if (auto* fs = std::get_if<std::vector<double>>(&v)) {
    a.set_type(onnx::AttributeProto::FLOATS);
    for (double x : *fs) a.add_floats(static_cast<float>(x));
  }
}

// raw_data is little-endian (onnx.proto); Loom runs on little-endian hosts only.
void setTensor(onnx::TensorProto& t, const OnnxInitializer& init) {
  t.set_name(init.name);
  for (std::int64_t d : init.value.dims()) t.add_dims(d);
  t.set_data_type(init.value.dtype() == DType::I64 ? onnx::TensorProto::INT64
                                                   : onnx::TensorProto::FLOAT);
  const Tensor plain =
      init.value.layout() == Layout::Plain ? init.value : init.value.toLayout(Layout::Plain);
  t.set_raw_data(std::string(static_cast<const char*>(plain.raw()), plain.bytes()));
}

void setValueInfo(onnx::ValueInfoProto& v, const std::string& name, const Dims& dims) {
  v.set_name(name);
  auto* tensor = v.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tensor->mutable_shape();
  for (size_t i = 0; i < dims.size(); ++i) {
    auto* d = shape->add_dim();
    if (i == 0)
      d->set_dim_param(kBatchDim);
    else
      d->set_dim_value(dims[i]);
  }
}

// The inputs of one node's mapping, from the analysis at batch 1.
struct Prepared {
  GraphAnalysis analysis;
  ParameterSet params;
};

Expected<Prepared> prepare(const Model& model) {
  Prepared p;
  p.analysis = analyzeGraph(model.graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(p.analysis.status);
  LOOM_ASSIGN_OR_RETURN(p.params, ParameterSet::create(model.graph, p.analysis, model.parameters,
                                                       model.training.seed()));
  return p;
}

OnnxExportContext contextFor(const Model& model, const Prepared& p, int index,
                             const std::map<std::string, std::string>& valueOf, int opset) {
  const Node& node = model.graph.nodes()[static_cast<size_t>(index)];
  const NodeAnalysis& na = p.analysis.nodes[static_cast<size_t>(index)];
  OnnxExportContext ctx;
  ctx.nodeName = node.name;
  ctx.attrs = &na.attrs;
  ctx.inputDims = na.inputDims;
  ctx.outputDims = na.shape.output;
  for (const std::string& in : node.inputs) {
    auto it = valueOf.find(in);
    ctx.inputs.push_back(it == valueOf.end() ? in : it->second);
  }
  ctx.output = node.name;
  for (const ParamInfo& info : na.shape.params) {
    const std::string name = node.name + "." + info.name;
    const Parameter* param = p.params.find(name);
    ctx.params.push_back(param ? param->value : Tensor(info.dims));
    ctx.paramNames.push_back(name);
  }
  ctx.opset = opset;
  return ctx;
}

// Consumers of each node, for folding (a convolution that feeds anything but its BatchNorm
// keeps its own output).
std::map<std::string, int> consumerCounts(const Graph& graph) {
  std::map<std::string, int> counts;
  for (const Node& n : graph.nodes())
    for (const std::string& in : n.inputs) ++counts[in];
  return counts;
}

// BatchNorm node index -> Conv2D node index, for every fold that applies.
std::map<int, int> foldablePairs(const Model& model, const Prepared& p) {
  std::map<int, int> pairs;
  const auto counts = consumerCounts(model.graph);
  const std::string output = p.analysis.outputNode;
  for (size_t i = 0; i < model.graph.nodes().size(); ++i) {
    const Node& bn = model.graph.nodes()[i];
    if (bn.op != "BatchNorm" || bn.inputs.size() != 1) continue;
    const int conv = model.graph.indexOf(bn.inputs[0]);
    if (conv < 0 || model.graph.nodes()[static_cast<size_t>(conv)].op != "Conv2D") continue;
    if (counts.at(bn.inputs[0]) != 1 || bn.inputs[0] == output) continue;
    pairs[static_cast<int>(i)] = conv;
  }
  return pairs;
}

// The convolution's parameters with the BatchNorm's inference transform folded in.
void foldInto(OnnxExportContext& conv, const OnnxExportContext& bn) {
  const Tensor& w = conv.params.at(0);
  const std::int64_t filters = w.dim(0), perFilter = w.numel() / filters;
  const float* gamma = bn.params.at(0).f32();
  const float* beta = bn.params.at(1).f32();
  const float* mean = bn.params.at(2).f32();
  const float* var = bn.params.at(3).f32();
  const double eps = bn.attrs->f("epsilon");
  Tensor wf = w.clone(), bf({filters});
  for (std::int64_t k = 0; k < filters; ++k) {
    const double scale = gamma[k] / std::sqrt(static_cast<double>(var[k]) + eps);
    float* wk = wf.f32() + k * perFilter;
    for (std::int64_t i = 0; i < perFilter; ++i) wk[i] = static_cast<float>(wk[i] * scale);
    const double b = conv.params.size() > 1 ? conv.params[1].f32()[k] : 0.0;
    bf.f32()[k] = static_cast<float>((b - mean[k]) * scale + beta[k]);
  }
  conv.params = {wf, bf};
  conv.paramNames = {conv.nodeName + ".weights", conv.nodeName + ".bias"};
}

}  // namespace

std::vector<OnnxExportProblem> preflightOnnx(const Model& model, const OnnxExportOptions& options) {
  std::vector<OnnxExportProblem> problems;
  if (Status st = checkOpset(options.opset); !st) return {{"", "", st.message()}};
  auto prepared = prepare(model);
  if (!prepared) return {{"", "", "the model does not analyse: " + prepared.status().message()}};
  int inputs = 0;
  std::map<std::string, std::string> valueOf;
  for (int index : prepared->analysis.order) {
    const Node& node = model.graph.nodes()[static_cast<size_t>(index)];
    if (node.op == "Input") ++inputs;
    const Op* op = prepared->analysis.nodes[static_cast<size_t>(index)].op;
    OnnxExportContext ctx = contextFor(model, *prepared, index, valueOf, options.opset);
    OnnxFragment fragment;
    if (Status st = op->toOnnx(ctx, fragment); !st)
      problems.push_back({node.name, node.op, st.message()});
  }
  if (inputs != 1)
    problems.insert(problems.begin(),
                    {"", "",
                     "the model has " + std::to_string(inputs) +
                         " Input nodes; the exporter (and the parity check) take one"});
  return problems;
}

std::string describeProblems(const std::vector<OnnxExportProblem>& problems) {
  std::string text;
  for (const OnnxExportProblem& p : problems) {
    if (!text.empty()) text += "\n";
    text += p.node.empty() ? "model: " + p.reason
                           : "node \"" + p.node + "\" (" + p.op + "): " + p.reason;
  }
  return text;
}

Expected<OnnxExportResult> exportOnnx(const Model& model, const OnnxExportOptions& options) {
  const auto problems = preflightOnnx(model, options);
  if (!problems.empty())
    return unsupported("cannot export to ONNX opset " + std::to_string(options.opset) + ", " +
                       std::to_string(problems.size()) + " problem(s):\n" +
                       describeProblems(problems));
  LOOM_ASSIGN_OR_RETURN(Prepared p, prepare(model));
  if (model.parameters.empty() && !p.params.all().empty())
    return invalidArgument("model \"" + model.name +
                           "\" has no parameters; load a checkpoint or initialise them first");

  onnx::ModelProto proto;
  proto.set_ir_version(irVersionFor(options.opset));
  proto.set_producer_name("loom");  // never "pytorch": OpenCV changes AveragePool for it
  proto.set_producer_version(kLoomVersion);
  proto.set_domain("org.loom");
  proto.set_model_version(1);
  proto.set_doc_string(model.description);
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);
  for (const auto& [key, value] : options.metadata) {
    auto* entry = proto.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  onnx::GraphProto& graph = *proto.mutable_graph();
  graph.set_name(model.name.empty() ? "loom" : model.name);

  OnnxExportResult result;
  const std::map<int, int> folds =
      options.foldBatchNorm ? foldablePairs(model, p) : std::map<int, int>{};
  std::map<int, int> convToBn;
  for (auto [bn, conv] : folds) convToBn[conv] = bn;
  std::map<std::string, std::string> valueOf;
  std::set<std::string> initializerNames, opTypes;
  for (int index : p.analysis.order) {
    const Node& node = model.graph.nodes()[static_cast<size_t>(index)];
    const NodeAnalysis& na = p.analysis.nodes[static_cast<size_t>(index)];
    if (node.op == "Input") {
      result.inputName = node.name;
      setValueInfo(*graph.add_input(), node.name, na.shape.output);
      continue;
    }
    OnnxExportContext ctx = contextFor(model, p, index, valueOf, options.opset);
    OnnxFragment fragment;
    if (auto bn = folds.find(index); bn != folds.end()) {
      fragment.alias = ctx.inputs.at(0);  // its convolution already applies it
      result.foldedNodes.push_back(node.name);
    } else {
      if (auto fold = convToBn.find(index); fold != convToBn.end())
        foldInto(ctx, contextFor(model, p, fold->second, valueOf, options.opset));
      LOOM_RETURN_IF_ERROR(na.op->toOnnx(ctx, fragment).withContext(nodeLabel(node)));
    }
    if (!fragment.alias.empty()) {
      valueOf[node.name] = fragment.alias;
      continue;
    }
    for (const OnnxInitializer& init : fragment.initializers) {
      if (!initializerNames.insert(init.name).second)
        return internalError("two initializers named \"" + init.name + "\"");
      setTensor(*graph.add_initializer(), init);
    }
    for (const OnnxNode& n : fragment.nodes) {
      onnx::NodeProto& out = *graph.add_node();
      out.set_name(n.name);
      out.set_op_type(n.opType);
      opTypes.insert(n.opType);
      for (const std::string& in : n.inputs) out.add_input(in);
      for (const std::string& o : n.outputs) out.add_output(o);
      for (const auto& [name, value] : n.attrs) setAttr(*out.add_attribute(), name, value);
    }
  }
  const int outIndex = model.graph.indexOf(p.analysis.outputNode);
  auto outValue = valueOf.find(p.analysis.outputNode);
  result.outputName = outValue == valueOf.end() ? p.analysis.outputNode : outValue->second;
  setValueInfo(*graph.add_output(), result.outputName,
               p.analysis.nodes[static_cast<size_t>(outIndex)].shape.output);
  LOOM_RETURN_IF_ERROR(checkOnnxModel(proto, "exported model \"" + model.name + "\""));
  result.onnxNodes = graph.node_size();
  result.initializers = graph.initializer_size();
  result.opTypes.assign(opTypes.begin(), opTypes.end());
  if (!proto.SerializeToString(&result.bytes))
    return internalError("could not serialise the ONNX model");
  return result;
}

Status materializeParameters(Model& model) {
  const GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(analysis.status);
  LOOM_ASSIGN_OR_RETURN(
      ParameterSet params,
      ParameterSet::create(model.graph, analysis, model.parameters, model.training.seed()));
  model.parameters = params.values();
  return Status::ok();
}

}  // namespace loom
