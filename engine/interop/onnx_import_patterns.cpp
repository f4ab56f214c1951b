#include "engine/interop/onnx_import_patterns.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace loom {

namespace {

// The formula's constants in double; a float32 file holds them to ~6e-8 relative, well
// inside kRelTol, while a different constant (0.6 for 0.5, 0.0447 for 0.044715) is far out.
constexpr double kSqrt2 = 1.41421356237309505;
constexpr double kInvSqrt2 = 0.70710678118654752;
constexpr double kSqrt2OverPi = 0.79788456080286536;
constexpr double kCubic = 0.044715;
constexpr double kRelTol = 1e-6;

bool defaultDomain(const onnx::NodeProto& n) {
  return n.domain().empty() || n.domain() == "ai.onnx";
}

std::string label(const onnx::NodeProto& n) {
  return "node \"" + n.name() + "\" (" + n.op_type() + ")";
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(7);  // the constants are float32: 0.6f prints as 0.6
  s << v;
  return s.str();
}

bool close(double have, double want) {
  return std::fabs(have - want) <= kRelTol * std::fabs(want);
}

// The value of a one-element tensor of dims [] or [1] stored in the file. FLOAT only, as
// Mul/Add/Div need x's type; `anyNumber` also takes DOUBLE, INT32 and INT64 (Pow's exponent
// has a type of its own).
std::optional<double> scalarOf(const onnx::TensorProto& t, bool anyNumber) {
  if (t.dims_size() > 1 || (t.dims_size() == 1 && t.dims(0) != 1)) return std::nullopt;
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.has_segment()) return std::nullopt;
  auto fromRaw = [&](auto v) -> std::optional<double> {
    if (t.raw_data().size() != sizeof v) return std::nullopt;
    std::memcpy(&v, t.raw_data().data(), sizeof v);  // little-endian, as the importer
    return static_cast<double>(v);
  };
  auto single = [](const auto& field) -> std::optional<double> {
    if (field.size() != 1) return std::nullopt;
    return static_cast<double>(field.Get(0));
  };
  const int type = t.data_type();
  if (type == onnx::TensorProto::FLOAT)
    return t.has_raw_data() ? fromRaw(float{}) : single(t.float_data());
  if (!anyNumber) return std::nullopt;
  if (type == onnx::TensorProto::DOUBLE)
    return t.has_raw_data() ? fromRaw(double{}) : single(t.double_data());
  if (type == onnx::TensorProto::INT64)
    return t.has_raw_data() ? fromRaw(std::int64_t{}) : single(t.int64_data());
  if (type == onnx::TensorProto::INT32)
    return t.has_raw_data() ? fromRaw(std::int32_t{}) : single(t.int32_data());
  return std::nullopt;
}

// Who computes and who reads each value of the graph.
class GraphIndex {
 public:
  explicit GraphIndex(const onnx::GraphProto& g) : m_graph(g) {
    for (int i = 0; i < g.node_size(); ++i) {
      for (const std::string& out : g.node(i).output())
        if (!out.empty()) m_producer[out] = i;
      for (const std::string& in : g.node(i).input())
        if (!in.empty()) m_readers[in].push_back(i);
    }
    for (const auto& o : g.output()) m_graphOutputs.insert(o.name());
    for (const auto& t : g.initializer()) m_initializers[t.name()] = &t;
  }

  const onnx::NodeProto& node(int i) const { return m_graph.node(i); }

  /// The node computing `v`; -1 for a graph input or an initializer.
  int producer(const std::string& v) const {
    auto it = m_producer.find(v);
    return it == m_producer.end() ? -1 : it->second;
  }

  /// The node reading `v` when that is its only use (one input of one node, no graph
  /// output); else -1.
  int soleReader(const std::string& v) const {
    auto it = m_readers.find(v);
    if (it == m_readers.end() || it->second.size() != 1 || m_graphOutputs.count(v)) return -1;
    return it->second[0];
  }

  /// Whether `v` is read only by nodes in `nodes` (and is no graph output).
  bool readOnlyBy(const std::string& v, const std::set<int>& nodes) const {
    if (m_graphOutputs.count(v)) return false;
    auto it = m_readers.find(v);
    return it == m_readers.end() || std::all_of(it->second.begin(), it->second.end(),
                                                [&](int r) { return nodes.count(r) > 0; });
  }

  /// The Constant node computing `v`, or -1.
  int constantNode(const std::string& v) const {
    const int p = producer(v);
    if (p < 0) return -1;
    const onnx::NodeProto& n = node(p);
    return n.op_type() == "Constant" && defaultDomain(n) && n.attribute_size() == 1 ? p : -1;
  }

  /// The scalar value of `v` when it is an initializer or a Constant node (scalarOf's rules).
  std::optional<double> constant(const std::string& v, bool anyNumber) const {
    if (auto it = m_initializers.find(v); it != m_initializers.end())
      return scalarOf(*it->second, anyNumber);
    const int c = constantNode(v);
    if (c < 0) return std::nullopt;
    const onnx::AttributeProto& a = node(c).attribute(0);
    if (a.name() == "value") return scalarOf(a.t(), anyNumber);
    if (a.name() == "value_float") return a.f();
    if (a.name() == "value_int" && anyNumber) return static_cast<double>(a.i());
    return std::nullopt;
  }

 private:
  const onnx::GraphProto& m_graph;
  std::map<std::string, int> m_producer;
  std::map<std::string, std::vector<int>> m_readers;  // a node reading twice is listed twice
  std::set<std::string> m_graphOutputs;
  std::map<std::string, const onnx::TensorProto*> m_initializers;
};

// A node the pattern may contain: ONNX's own op `op` with `arity` inputs, one output and no
// attributes (those ops have none from opset 7 on).
bool plainNode(const onnx::NodeProto& n, const std::string& op, int arity) {
  return n.op_type() == op && defaultDomain(n) && n.input_size() == arity && n.output_size() == 1 &&
         n.attribute_size() == 0;
}

std::string commonScope(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string p = names[0];
  for (const std::string& n : names) {
    size_t k = 0;
    while (k < p.size() && k < n.size() && p[k] == n[k]) ++k;
    p.resize(k);
  }
  // Cut back to a whole scope: "act" of "act/erf" and "act", never "ac" of "act1" and "act2".
  auto whole = [&](const std::string& n) { return n.size() == p.size() || n[p.size()] == '/'; };
  while (!p.empty() && !std::all_of(names.begin(), names.end(), whole)) p.pop_back();
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p;
}

// One attempt to read GELU around an Erf or Tanh node (the anchor): first the anchor's input
// side (x / sqrt 2, or sqrt(2/pi) (x + 0.044715 x^3)), which fixes x, then 1 + anchor, then
// the product with x and 0.5 in any of the three orders.
class GeluMatcher {
 public:
  GeluMatcher(const GraphIndex& g, int anchor) : m_g(g), m_anchor(anchor) {}

  bool match() {
    const onnx::NodeProto& t = m_g.node(m_anchor);
    const bool erf = t.op_type() == "Erf";
    if (!plainNode(t, t.op_type(), 1))
      return fail("it has attributes, another domain or more than one input or output");
    if (!(erf ? matchErfInput() : matchTanhInput())) return false;
    const int add = reader(t.output(0), "Add");
    if (add < 0 || !otherThanConstant(add, 1.0)) return false;
    claim(m_anchor);
    claim(add);
    return matchProduct(m_g.node(add).output(0));
  }

  const std::string& why() const { return m_why; }

  OnnxPatternMatch result() const {
    OnnxPatternMatch r;
    r.op = "GELU";
    const bool erf = m_g.node(m_anchor).op_type() == "Erf";
    r.attrs["approximate"] = std::string(erf ? "none" : "tanh");
    r.input = m_x;
    r.output = m_out;
    const std::set<int> ops(m_nodes.begin(), m_nodes.end());
    std::vector<std::string> names, types;
    for (int i : ops) {
      names.push_back(m_g.node(i).name());
      types.push_back(m_g.node(i).op_type());
    }
    r.name = commonScope(names);
    if (r.name.empty()) r.name = names.front();
    r.last = m_g.producer(m_out);
    std::set<int> all = ops;
    for (const std::string& c : m_constants)
      if (const int k = m_g.constantNode(c); k >= 0 && m_g.readOnlyBy(c, ops)) all.insert(k);
    r.nodes.assign(all.begin(), all.end());
    std::string list;
    for (const std::string& t : types) list += (list.empty() ? "" : " ") + t;
    r.summary = "nodes \"" + names.front() + "\" .. \"" + m_g.node(r.last).name() + "\" (" + list +
                "): GELU's formula, imported as one GELU (approximate: " +
                std::string(erf ? "none" : "tanh") + ")";
    return r;
  }

 private:
  bool fail(std::string why) {
    m_why = std::move(why);
    return false;
  }
  void claim(int n) { m_nodes.push_back(n); }

  bool checkNode(int n, const std::string& op) {
    const int arity = op == "Erf" || op == "Tanh" ? 1 : 2;
    if (plainNode(m_g.node(n), op, arity)) return true;
    return fail(label(m_g.node(n)) + " is where GELU's formula has a plain " + op);
  }

  // The node computing `v`, when it is a plain `op` and `v` has no other reader; else -1.
  int operand(const std::string& v, const std::string& op) {
    const int p = m_g.producer(v);
    if (p < 0) {
      fail("\"" + v + "\" is not computed by a node where GELU's formula has " + op);
      return -1;
    }
    if (!checkNode(p, op)) return -1;
    if (m_g.soleReader(v) < 0) {
      fail("the output of " + label(m_g.node(p)) + " is also read elsewhere");
      return -1;
    }
    return p;
  }

  // The only node reading `v`, when it is a plain `op`; else -1.
  int reader(const std::string& v, const std::string& op) {
    const int r = m_g.soleReader(v);
    if (r < 0) {
      fail("\"" + v + "\" has more than one reader (or is a graph output)");
      return -1;
    }
    return checkNode(r, op) ? r : -1;
  }

  // For a binary node with a scalar constant operand equal to `want` (input 1 only when not
  // commutative, i.e. Div): the other operand.
  std::optional<std::string> otherThanConstant(int n, double want, bool commutative = true) {
    const onnx::NodeProto& node = m_g.node(n);
    for (int side : {1, 0}) {
      if (side == 0 && !commutative) break;
      const auto c = m_g.constant(node.input(side), false);
      if (!c) continue;
      if (!close(*c, want)) {
        fail("the constant \"" + node.input(side) + "\" of " + label(node) + " is " + number(*c) +
             ", GELU's is " + number(want));
        return std::nullopt;
      }
      m_constants.push_back(node.input(side));
      return node.input(1 - side);
    }
    fail(label(node) + " has no scalar FLOAT constant operand (GELU's is " + number(want) + ")");
    return std::nullopt;
  }

  // x / sqrt 2 or x * (1 / sqrt 2).
  bool matchErfInput() {
    const std::string& s = m_g.node(m_anchor).input(0);
    const int p = m_g.producer(s);
    const bool div = p >= 0 && m_g.node(p).op_type() == "Div";
    if (p < 0 || (!div && m_g.node(p).op_type() != "Mul"))
      return fail("its input \"" + s + "\" is not x / sqrt 2 (a Div, or a Mul by 1 / sqrt 2)");
    const int q = operand(s, div ? "Div" : "Mul");
    if (q < 0) return false;
    const auto x = otherThanConstant(q, div ? kSqrt2 : kInvSqrt2, !div);
    if (!x) return false;
    m_x = *x;
    claim(q);
    return true;
  }

  // sqrt(2/pi) * (x + 0.044715 * x^3), each product either way round.
  bool matchTanhInput() {
    const int scaled = operand(m_g.node(m_anchor).input(0), "Mul");
    if (scaled < 0) return false;
    const auto sum = otherThanConstant(scaled, kSqrt2OverPi);
    if (!sum) return false;
    const int add = operand(*sum, "Add");
    if (add < 0) return false;
    const onnx::NodeProto& a = m_g.node(add);
    fail(label(a) + " adds no 0.044715 * x^3");
    for (int side : {0, 1}) {
      const std::string &x = a.input(side), &w = a.input(1 - side);
      if (!looksScaled(w)) continue;  // keep the reason from the side that looks like it
      const size_t nodes = m_nodes.size(), constants = m_constants.size();
      const int cubic = operand(w, "Mul");
      const auto cube = cubic < 0 ? std::nullopt : otherThanConstant(cubic, kCubic);
      if (cube && matchCube(*cube, x)) {
        m_x = x;
        claim(scaled);
        claim(add);
        claim(cubic);
        return true;
      }
      m_nodes.resize(nodes);
      m_constants.resize(constants);
    }
    return false;
  }

  // Whether `v` is computed by a Mul with a scalar constant operand (of any value).
  bool looksScaled(const std::string& v) const {
    const int p = m_g.producer(v);
    if (p < 0 || m_g.node(p).op_type() != "Mul") return false;
    const onnx::NodeProto& n = m_g.node(p);
    return std::any_of(n.input().begin(), n.input().end(),
                       [&](const std::string& in) { return m_g.constant(in, false).has_value(); });
  }

  // x^3 as Pow(x, 3) or x * (x * x) (either way round).
  bool matchCube(const std::string& cube, const std::string& x) {
    const int p = m_g.producer(cube);
    if (p >= 0 && m_g.node(p).op_type() == "Pow") {
      const int q = operand(cube, "Pow");
      if (q < 0) return false;
      const onnx::NodeProto& n = m_g.node(q);
      if (n.input(0) != x) return fail(label(n) + " raises \"" + n.input(0) + "\", not x");
      const auto e = m_g.constant(n.input(1), true);
      if (!e || *e != 3.0)
        return fail(label(n) + ": the exponent is " + (e ? number(*e) : "not a scalar constant") +
                    ", GELU's is 3");
      m_constants.push_back(n.input(1));
      claim(q);
      return true;
    }
    const int q = operand(cube, "Mul");
    if (q < 0) return false;
    const onnx::NodeProto& n = m_g.node(q);
    for (int side : {0, 1}) {
      if (n.input(side) != x) continue;
      const std::string& square = n.input(1 - side);
      const int s = m_g.producer(square);
      if (s < 0 || m_g.node(s).input_size() != 2 || m_g.node(s).input(0) != x ||
          m_g.node(s).input(1) != x)
        continue;
      const int sq = operand(square, "Mul");
      if (sq < 0) return false;
      claim(q);
      claim(sq);
      return true;
    }
    return fail(label(n) + " is not x * (x * x) for x \"" + x + "\"");
  }

  // x * a * 0.5 as (x * a) * 0.5, x * (a * 0.5) or (0.5 * x) * a; a = 1 + erf/tanh.
  bool matchProduct(const std::string& a) {
    const int m = reader(a, "Mul");
    if (m < 0) return false;
    const onnx::NodeProto& mul = m_g.node(m);
    if (mul.input(0) == mul.input(1)) return fail(label(mul) + " squares its input");
    const std::string& other = mul.input(0) == a ? mul.input(1) : mul.input(0);
    claim(m);
    if (other == m_x) {
      const int h = reader(mul.output(0), "Mul");
      if (h < 0 || !otherThanConstant(h, 0.5)) return false;
      claim(h);
      m_out = m_g.node(h).output(0);
      return true;
    }
    if (const auto c = m_g.constant(other, false)) {
      if (!close(*c, 0.5))
        return fail("the constant \"" + other + "\" of " + label(mul) + " is " + number(*c) +
                    ", GELU's is 0.5");
      m_constants.push_back(other);
      const int h = reader(mul.output(0), "Mul");
      if (h < 0) return false;
      const onnx::NodeProto& hn = m_g.node(h);
      if ((hn.input(0) == mul.output(0) ? hn.input(1) : hn.input(0)) != m_x)
        return fail(label(hn) + " does not multiply by x \"" + m_x + "\"");
      claim(h);
      m_out = hn.output(0);
      return true;
    }
    const int p = m_g.producer(other);
    if (p < 0 || m_g.node(p).op_type() != "Mul")
      return fail(label(mul) + " multiplies by \"" + other + "\", not by x, 0.5 or 0.5 * x");
    const int h = operand(other, "Mul");
    if (h < 0) return false;
    const auto y = otherThanConstant(h, 0.5);
    if (!y) return false;
    if (*y != m_x)
      return fail(label(m_g.node(h)) + " halves \"" + *y + "\", not x \"" + m_x + "\"");
    claim(h);
    m_out = mul.output(0);
    return true;
  }

  const GraphIndex& m_g;
  int m_anchor;
  std::string m_x, m_out, m_why;
  std::vector<int> m_nodes;              // the arithmetic nodes matched so far
  std::vector<std::string> m_constants;  // the constant values they read
};

}  // namespace

OnnxPatternScan findOnnxPatterns(const onnx::GraphProto& graph) {
  const GraphIndex index(graph);
  OnnxPatternScan scan;
  std::set<int> taken;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& n = graph.node(i);
    if (!defaultDomain(n) || (n.op_type() != "Erf" && n.op_type() != "Tanh")) continue;
    GeluMatcher matcher(index, i);
    if (!matcher.match()) {
      // A Tanh fed by anything but a Mul is an ordinary activation: nothing to explain.
      const int p = n.input_size() > 0 ? index.producer(n.input(0)) : -1;
      if (n.op_type() == "Erf" || (p >= 0 && index.node(p).op_type() == "Mul"))
        scan.nearMisses.push_back(label(n) + ": not read as GELU: " + matcher.why());
      continue;
    }
    OnnxPatternMatch m = matcher.result();
    // Single-reader chains cannot overlap; checked anyway so no node is ever imported twice.
    if (std::any_of(m.nodes.begin(), m.nodes.end(), [&](int k) { return taken.count(k) > 0; }))
      continue;
    taken.insert(m.nodes.begin(), m.nodes.end());
    scan.matches.push_back(std::move(m));
  }
  return scan;
}

}  // namespace loom
