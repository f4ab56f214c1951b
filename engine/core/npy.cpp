#include "engine/core/npy.h"

#include <cstdint>
#include <cstring>
#include <optional>

#include "engine/core/file_util.h"
#include "engine/core/memory_budget.h"

namespace loom {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// What the header dictionary says: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
struct NpyHeader {
  std::string descr;
  std::optional<bool> fortranOrder;
  std::optional<Dims> shape;
};

// A cursor over the header's Python literal. Only the forms NumPy writes are accepted:
// quoted strings, True/False, and tuples of non-negative integers.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& source) : m_text(text), m_source(source) {}

  Expected<NpyHeader> parse() {
    NpyHeader header;
    if (!consume('{')) return error("header does not start with '{'");
    while (true) {
      skipSpace();
      if (consume('}')) break;
      auto key = parseString();
      if (!key) return error("expected a quoted key");
      if (!consume(':')) return error("expected ':' after '" + *key + "'");
      if (auto status = parseValue(*key, header); !status.ok()) return status;
      skipSpace();
      if (consume(',')) continue;
      if (consume('}')) break;
      return error("expected ',' or '}' after the value of '" + *key + "'");
    }
    return header;
  }

 private:
  Status parseValue(const std::string& key, NpyHeader& header) {
    skipSpace();
    if (key == "descr") {
      auto value = parseString();
      if (!value) return error("'descr' is not a quoted string");
      header.descr = *value;
    } else if (key == "fortran_order") {
      if (word("True")) {
        header.fortranOrder = true;
      } else if (word("False")) {
        header.fortranOrder = false;
      } else {
        return error("'fortran_order' is neither True nor False");
      }
    } else if (key == "shape") {
      auto shape = parseTuple();
      if (!shape) return error("'shape' is not a tuple of non-negative integers");
      header.shape = std::move(*shape);
    } else {
      return error("unknown header key '" + key + "'");
    }
    return Status();
  }

  std::optional<std::string> parseString() {
    skipSpace();
    if (m_pos >= m_text.size() || (m_text[m_pos] != '\'' && m_text[m_pos] != '"')) return {};
    const char quote = m_text[m_pos++];
    const size_t end = m_text.find(quote, m_pos);
    if (end == std::string_view::npos) return {};
    std::string value(m_text.substr(m_pos, end - m_pos));
    m_pos = end + 1;
    return value;
  }

  std::optional<Dims> parseTuple() {
    if (!consume('(')) return {};
    Dims dims;
    while (true) {
      skipSpace();
      if (consume(')')) return dims;
      std::int64_t value = 0;
      size_t digits = 0;
      while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') {
        if (value > (INT64_MAX - 9) / 10) return {};
        value = value * 10 + (m_text[m_pos++] - '0');
        ++digits;
      }
      if (digits == 0) return {};
      dims.push_back(value);
      skipSpace();
      if (consume(')')) return dims;
      if (!consume(',')) return {};
    }
  }

  bool word(std::string_view w) {
    if (m_text.substr(m_pos, w.size()) != w) return false;
    m_pos += w.size();
    return true;
  }
  bool consume(char c) {
    skipSpace();
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }
  void skipSpace() {
    while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\n')) ++m_pos;
  }
  Status error(const std::string& what) const {
    return dataCorrupt(m_source + ": bad .npy header at character " + std::to_string(m_pos) +
                       ": " + what + " (header: " + std::string(m_text.substr(0, 120)) + ")");
  }

  std::string_view m_text;
  const std::string& m_source;
  size_t m_pos = 0;
};

std::uint32_t readLittleEndian(std::string_view bytes, size_t offset, size_t width) {
  std::uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= std::uint32_t{static_cast<unsigned char>(bytes[offset + i])} << (8 * i);
  }
  return value;
}

// Splits the file into its header text and its data bytes.
Status splitFile(std::string_view bytes, const std::string& source, std::string_view& header,
                 std::string_view& data) {
  if (bytes.size() < 10 || bytes.substr(0, kMagic.size()) != kMagic) {
    return dataCorrupt(source + ": not a .npy file (no \\x93NUMPY magic at byte 0)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  if (major < 1 || major > 3) {
    return unsupported(source + ": .npy format version " + std::to_string(major) +
                       " is not supported (1, 2 and 3 are)");
  }
  const size_t lengthWidth = major == 1 ? 2 : 4;
  const size_t start = 8 + lengthWidth;
  if (bytes.size() < start) return dataCorrupt(source + ": .npy header length is cut off");
  const size_t length = readLittleEndian(bytes, 8, lengthWidth);
  if (length > bytes.size() - start) {
    return dataCorrupt(source + ": .npy header claims " + std::to_string(length) +
                       " bytes but the file has " + std::to_string(bytes.size() - start) +
                       " after the length field");
  }
  header = bytes.substr(start, length);
  data = bytes.substr(start + length);
  return Status();
}

Status checkHeader(const NpyHeader& header, const std::string& source) {
  if (header.descr != "<f4" && header.descr != "|f4") {
    return unsupported(source + ": dtype '" + header.descr +
                       "' is not supported; Loom reads float32 ('<f4') arrays: convert with "
                       "numpy's astype(numpy.float32)");
  }
  if (!header.fortranOrder || !header.shape) {
    return dataCorrupt(source + ": .npy header lacks '" +
                       std::string(!header.shape ? "shape" : "fortran_order") + "'");
  }
  if (*header.fortranOrder) {
    return unsupported(source + ": Fortran-ordered arrays are not supported; save with "
                                "numpy.ascontiguousarray first");
  }
  return Status();
}

}  // namespace

Expected<Tensor> parseNpy(std::string_view bytes, const std::string& source) {
  std::string_view headerText, data;
  if (auto status = splitFile(bytes, source, headerText, data); !status.ok()) return status;
  auto header = HeaderParser(headerText, source).parse();
  if (!header.hasValue()) return header.status();
  if (auto status = checkHeader(*header, source); !status.ok()) return status;
  Dims dims = header->shape->empty() ? Dims{1} : *header->shape;
  const auto byteCount = checkedNumElements(dims, sizeof(float));
  if (!byteCount) {
    return dataCorrupt(source + ": shape " + dimsToString(dims) + " overflows 64-bit sizes");
  }
  if (*byteCount > memoryBudgetBytes()) {
    return invalidArgument(source + ": shape " + dimsToString(dims) + " needs " +
                           formatBytes(static_cast<double>(*byteCount)) +
                           ", more than the memory budget " +
                           formatBytes(static_cast<double>(memoryBudgetBytes())) +
                           " (LOOM_MEMORY_BUDGET)");
  }
  if (static_cast<std::uint64_t>(*byteCount) != data.size()) {
    return dataCorrupt(source + ": header declares shape " + dimsToString(dims) + " = " +
                       std::to_string(*byteCount / 4) + " float32 values (" +
                       std::to_string(*byteCount) + " bytes) but " + std::to_string(data.size()) +
                       " data bytes follow");
  }
  Tensor tensor(dims);
  if (!data.empty()) std::memcpy(tensor.raw(), data.data(), data.size());
  return tensor;
}

Expected<Tensor> readNpy(const std::string& path) {
  auto bytes = readFile(path);
  if (!bytes.hasValue()) return bytes.status();
  return parseNpy(*bytes, path);
}

std::string encodeNpy(const Tensor& tensor) {
  const Tensor plain = tensor.toLayout(Layout::Plain);
  // NumPy's tuple spelling: "(2, 3)", "(5,)".
  std::string shape;
  for (const auto d : plain.dims()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  if (plain.dims().size() == 1) shape += ",";
  shape = "(" + shape + ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  const bool version2 = header.size() + 11 > 65535;
  const size_t prefix = version2 ? 12 : 10;
  const size_t padded = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(padded - prefix - header.size() - 1, ' ');
  header += '\n';
  std::string out(kMagic);
  out += static_cast<char>(version2 ? 2 : 1);
  out += '\0';
  const size_t length = header.size();
  for (size_t i = 0; i < (version2 ? 4u : 2u); ++i) out += static_cast<char>((length >> (8 * i)) & 0xff);
  out += header;
  out.append(static_cast<const char*>(plain.raw()), plain.bytes());
  return out;
}

Status writeNpy(const std::string& path, const Tensor& tensor) {
  return writeFileAtomically(path, encodeNpy(tensor));
}

}  // namespace loom
