#include <fcntl.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/core/crc32c.h"
#include "engine/core/file_util.h"
#include "engine/core/utf8.h"
#include "engine/graph/model.h"
#include "engine/graph/parameter_file.h"
#include "engine/graph/upgrade.h"

namespace loom {

namespace {

// Collects the first parse error with its position (protobuf reports 0-based line/column).
class FirstErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (m_message.empty()) {
      m_line = line + 1;
      m_column = column + 1;
      m_message = message;
    }
  }
  void AddWarning(int, int, const std::string&) override {}
  bool hasError() const { return !m_message.empty(); }
  std::string format(const std::string& source) const {
    return source + ":" + std::to_string(m_line) + ":" + std::to_string(m_column) + ": " +
           m_message;
  }

 private:
  int m_line = 0, m_column = 0;
  std::string m_message;
};

AttrValue attrFromProto(const pb::Attr& a) {
  switch (a.value_case()) {
    case pb::Attr::kI:
      return a.i();
    case pb::Attr::kF:
      return a.f();
    case pb::Attr::kB:
      return a.b();
    case pb::Attr::kS:
      return a.s();
    case pb::Attr::kInts:
      return std::vector<std::int64_t>(a.ints().v().begin(), a.ints().v().end());
    case pb::Attr::kFloats:
      return std::vector<double>(a.floats().v().begin(), a.floats().v().end());
    case pb::Attr::VALUE_NOT_SET:
      break;
  }
  return std::int64_t{0};
}

void attrToProto(const std::string& name, const AttrValue& v, pb::Attr* a) {
  a->set_name(name);
  switch (attrTypeOf(v)) {
    case AttrType::Int:
      a->set_i(std::get<std::int64_t>(v));
      break;
    case AttrType::Float:
      a->set_f(std::get<double>(v));
      break;
    case AttrType::Bool:
      a->set_b(std::get<bool>(v));
      break;
    case AttrType::String:
      a->set_s(std::get<std::string>(v));
      break;
    case AttrType::Ints:
      for (auto x : std::get<std::vector<std::int64_t>>(v)) a->mutable_ints()->add_v(x);
      break;
    case AttrType::Floats:
      for (auto x : std::get<std::vector<double>>(v)) a->mutable_floats()->add_v(x);
      break;
  }
}

namespace {
using google::protobuf::TextFormat;

// "file:line:column" of a field's value in the text (protobuf counts from 0), or just the file
// when the tree has no location for it.
std::string fieldLocation(const std::string& source, const TextFormat::ParseInfoTree* tree,
                          const google::protobuf::FieldDescriptor* field, int index) {
  if (!tree) return source;
  const TextFormat::ParseLocation at = tree->GetLocation(field, index);
  if (at.line < 0) return source;
  return source + ":" + std::to_string(at.line + 1) + ":" + std::to_string(at.column + 1);
}

// Every string field of `msg` (recursively) must be UTF-8. The error gives the field's
// position in the file (from the parser's location tree), its path (e.g.
// `graph.node[3].name`: an escape such as "\200" makes the text's columns differ from the
// string's bytes, so both are said) and the offset of the first bad byte in the string.
Status checkUtf8Fields(const google::protobuf::Message& msg, const std::string& path,
                       const std::string& source, const TextFormat::ParseInfoTree* tree) {
  const auto* reflection = msg.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(msg, &fields);
  for (const auto* f : fields) {
    const std::string name = path.empty() ? f->name() : path + "." + f->name();
    const int count = f->is_repeated() ? reflection->FieldSize(msg, f) : 1;
    for (int i = 0; i < count; ++i) {
      const int index = f->is_repeated() ? i : -1;
      const std::string where = f->is_repeated() ? name + "[" + std::to_string(i) + "]" : name;
      if (f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
        std::string scratch;
        const std::string& v = f->is_repeated()
                                   ? reflection->GetRepeatedStringReference(msg, f, i, &scratch)
                                   : reflection->GetStringReference(msg, f, &scratch);
        if (auto bad = firstInvalidUtf8(v))
          return Status(ErrorCode::ParseError, fieldLocation(source, tree, f, index) + ": " +
                                                   where + " is not valid UTF-8 (byte " +
                                                   std::to_string(*bad) + " of the string is " +
                                                   printable(v.substr(*bad, 1)) +
                                                   "); Loom model files are UTF-8 text");
      } else if (f->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
        const auto& sub = f->is_repeated() ? reflection->GetRepeatedMessage(msg, f, i)
                                           : reflection->GetMessage(msg, f);
        const TextFormat::ParseInfoTree* subTree =
            tree ? tree->GetTreeForNested(f, index) : nullptr;
        LOOM_RETURN_IF_ERROR(checkUtf8Fields(sub, where, source, subTree));
      }
    }
  }
  return Status::ok();
}
}  // namespace

// `p` comes from parseModelProto, which checked its strings are UTF-8.
Expected<Model> modelFromProto(const pb::Model& p, const std::string& source) {
  Model m;
  m.name = p.name();
  m.description = p.description();
  for (const auto& pn : p.graph().node()) {
    Node n;
    n.name = pn.name();
    n.op = pn.op();
    n.inputs.assign(pn.input().begin(), pn.input().end());
    for (const auto& a : pn.attr()) {
      if (a.value_case() == pb::Attr::VALUE_NOT_SET)
        return Status(ErrorCode::ParseError, source + ": node \"" + n.name + "\": attribute \"" +
                                                 a.name() + "\" has no value");
      if (n.attrs.count(a.name()))
        return Status(ErrorCode::ParseError, source + ": node \"" + n.name + "\": attribute \"" +
                                                 a.name() + "\" is given twice");
      n.attrs[a.name()] = attrFromProto(a);
    }
    n.x = pn.x();
    n.y = pn.y();
    Status s = m.graph.addNode(std::move(n));
    if (!s) return s.withContext(source);
  }
  m.graph.setOutput(p.graph().output());
  for (const auto& t : p.parameter()) {
    Dims dims(t.dims().begin(), t.dims().end());
    const auto elements = checkedNumElements(dims);
    if (!elements || *elements != t.values_size())
      return Status(ErrorCode::DataCorrupt, source + ": parameter \"" + t.name() + "\" has dims " +
                                                dimsToString(dims) + " but " +
                                                std::to_string(t.values_size()) + " values");
    Tensor tensor(dims);
    std::copy(t.values().begin(), t.values().end(), tensor.f32());
    m.parameters[t.name()] = std::move(tensor);
  }
  m.training = p.training();  // as written: defaults are applied where settings are used
  m.dataset = p.dataset();
  return m;
}

pb::Model modelToProto(const Model& m, bool withParameters) {
  pb::Model p;
  p.set_format_version(kModelFormatVersion);
  p.set_name(m.name);
  p.set_description(m.description);
  for (const auto& n : m.graph.nodes()) {
    auto* pn = p.mutable_graph()->add_node();
    pn->set_name(n.name);
    pn->set_op(n.op);
    for (const auto& in : n.inputs) pn->add_input(in);
    for (const auto& [name, value] : n.attrs) attrToProto(name, value, pn->add_attr());
    pn->set_x(n.x);
    pn->set_y(n.y);
  }
  p.mutable_graph()->set_output(m.graph.output());
  if (withParameters) {
    for (const auto& [name, t] : m.parameters) {
      auto* pt = p.add_parameter();
      pt->set_name(name);
      for (auto d : t.dims()) pt->add_dims(d);
      Tensor plain = t.toLayout(Layout::Plain);
      pt->mutable_values()->Add(plain.f32(), plain.f32() + plain.numel());
    }
  }
  *p.mutable_training() = m.training;
  *p.mutable_dataset() = m.dataset;
  return p;
}

std::string printModelProto(const pb::Model& proto) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseShortRepeatedPrimitives(true);
  std::string text;
  printer.PrintToString(proto, &text);
  return text;
}

// Parses the text into its message, upgraded to the current version.
Expected<pb::Model> parseModelProto(const std::string& text, const std::string& sourceName) {
  // An empty text parses as a valid, empty message; say what the file is instead of letting
  // validation report "the graph is empty" without naming it.
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    return Status(ErrorCode::ParseError,
                  sourceName + ": the file is empty (" + std::to_string(text.size()) +
                      " bytes): a Loom model file holds a graph { node { ... } } block");
  pb::Model proto;
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &proto)) {
    if (errors.hasError()) return Status(ErrorCode::ParseError, errors.format(sourceName));
    return Status(ErrorCode::ParseError, sourceName + ": not a Loom model file");
  }
  if (!checkUtf8Fields(proto, "", sourceName, nullptr)) {
    // Parse again with the location tree only now: recording every field's position costs
    // ~20 % of the parse of a 100,000-node model, and only an error message needs it.
    TextFormat::Parser locating;
    TextFormat::ParseInfoTree locations;
    locating.WriteLocationsTo(&locations);
    pb::Model again;
    locating.ParseFromString(text, &again);
    return checkUtf8Fields(again, "", sourceName, &locations);
  }
  Status upgraded = upgradeModelProto(proto, kModelFormatVersion);
  if (!upgraded) return upgraded.withContext(sourceName);
  if (proto.has_parameter_file() && proto.parameter_size() > 0)
    return Status(ErrorCode::ParseError,
                  sourceName + ": the file has both parameter blocks and a parameter_file (" +
                      printable(proto.parameter_file().path()) + "); keep one of them");
  return proto;
}

// Writes the sidecar, then the text that references it, then removes the sidecar the file's
// previous text referenced (if another): a crash at any point leaves a consistent pair.
Status saveWithParameterFile(const Model& model, const std::string& path) {
  std::string previous;
  if (Expected<std::string> old = readFile(path)) {
    if (Expected<pb::Model> p = parseModelProto(*old, path); p && p->has_parameter_file())
      previous = p->parameter_file().path();
  }
  const EncodedParameterFile sidecar = encodeParameterFile(model.parameters, path);
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  LOOM_RETURN_IF_ERROR(
      writeFileAtomically((dir / sidecar.reference.path()).string(), sidecar.bytes));
  pb::Model proto = modelToProto(model, false);
  *proto.mutable_parameter_file() = sidecar.reference;
  LOOM_RETURN_IF_ERROR(writeFileAtomically(path, printModelProto(proto)));
  if (!previous.empty() && previous != sidecar.reference.path() &&
      previous.find('/') == std::string::npos && previous != "..") {
    std::error_code ignored;  // a stale file left behind is harmless; the save succeeded
    std::filesystem::remove(dir / previous, ignored);
  }
  return Status::ok();
}

}  // namespace

Expected<Model> parseModel(const std::string& text, const std::string& sourceName) {
  LOOM_ASSIGN_OR_RETURN(pb::Model proto, parseModelProto(text, sourceName));
  if (proto.has_parameter_file())
    return Status(ErrorCode::InvalidArgument,
                  sourceName + ": the model's parameters are in the file \"" +
                      printable(proto.parameter_file().path()) +
                      "\" beside it, but this text was not read from a file; open the file "
                      "with loadModel()");
  return modelFromProto(proto, sourceName);
}

Expected<Model> loadModel(const std::string& path) {
  LOOM_ASSIGN_OR_RETURN(std::string text, readFile(path));
  LOOM_ASSIGN_OR_RETURN(pb::Model proto, parseModelProto(text, path));
  LOOM_ASSIGN_OR_RETURN(Model model, modelFromProto(proto, path));
  if (proto.has_parameter_file()) {
    LOOM_ASSIGN_OR_RETURN(model.parameters, readParameterFile(proto.parameter_file(), path));
  }
  return model;
}

std::string serializeModel(const Model& model, bool withParameters) {
  return printModelProto(modelToProto(model, withParameters));
}

Status saveModel(const Model& model, const std::string& path, bool withParameters) {
  if (withParameters && !model.parameters.empty()) return saveWithParameterFile(model, path);
  return writeFileAtomically(path, serializeModel(model, false));
}

std::string modelStructureHash(const Model& model) {
  Model shapeOnly;
  shapeOnly.graph = model.graph;
  for (auto& n : shapeOnly.graph.nodes()) n.x = n.y = 0;  // layout does not change the model
  std::string text = serializeModel(shapeOnly, false);
  std::uint32_t a = crc32c(text.data(), text.size());
  std::uint32_t b = crc32c(text.data(), text.size(), 0x9E3779B9u);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", a, b);
  return buf;
}

}  // namespace loom
