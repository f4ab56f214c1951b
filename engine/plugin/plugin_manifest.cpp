#include "engine/plugin/plugin_manifest.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/file_util.h"

namespace loom {

namespace {
using Json = nlohmann::json;

Status manifestError(const std::string& path, const std::string& what) {
  return Status(ErrorCode::ParseError, "plugin manifest \"" + path + "\": " + what);
}

Expected<std::string> stringField(const Json& j, const char* key, const std::string& path,
                                  bool required) {
  if (!j.contains(key)) {
    if (required) return manifestError(path, std::string("missing \"") + key + "\"");
    return std::string();
  }
  if (!j[key].is_string())
    return manifestError(path, std::string("\"") + key + "\" must be a string");
  return j[key].get<std::string>();
}

bool validName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

Expected<std::vector<std::string>> nameList(const Json& provides, const char* key,
                                            const std::string& path) {
  std::vector<std::string> names;
  if (!provides.contains(key)) return names;
  const Json& list = provides[key];
  if (!list.is_array())
    return manifestError(path, std::string("\"provides.") + key + "\" must be a list of names");
  for (const Json& item : list) {
    if (!item.is_string() || item.get<std::string>().empty())
      return manifestError(path,
                           std::string("\"provides.") + key + "\" must hold non-empty strings");
    names.push_back(item.get<std::string>());
  }
  return names;
}

Expected<PluginProvides> parseProvides(const Json& j, const std::string& path) {
  if (!j.contains("provides")) return manifestError(path, "missing \"provides\"");
  const Json& p = j["provides"];
  if (!p.is_object()) return manifestError(path, "\"provides\" must be an object");
  for (const auto& [key, value] : p.items()) {
    (void)value;
    if (key != "ops" && key != "dataset_kinds" && key != "explainers")
      return manifestError(
          path,
          "\"provides\" has \"" + key +
              "\", which this plugin API does not know (known: ops, dataset_kinds, explainers)");
  }
  PluginProvides provides;
  LOOM_ASSIGN_OR_RETURN(provides.ops, nameList(p, "ops", path));
  LOOM_ASSIGN_OR_RETURN(provides.datasetKinds, nameList(p, "dataset_kinds", path));
  LOOM_ASSIGN_OR_RETURN(provides.explainers, nameList(p, "explainers", path));
  return provides;
}
}  // namespace

Expected<PluginManifest> parsePluginManifest(const std::string& json, const std::string& path) {
  Json j;
  try {
    j = Json::parse(json);
  } catch (const Json::exception& e) {
    return manifestError(path, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return manifestError(path, "must be a JSON object");
  PluginManifest m;
  m.path = path;
  LOOM_ASSIGN_OR_RETURN(m.name, stringField(j, "name", path, true));
  if (!validName(m.name))
    return manifestError(path,
                         "\"name\" = \"" + m.name + "\" must be lower-case letters, digits and _");
  LOOM_ASSIGN_OR_RETURN(m.version, stringField(j, "version", path, true));
  LOOM_ASSIGN_OR_RETURN(m.description, stringField(j, "description", path, false));
  if (!j.contains("plugin_api_version"))
    return manifestError(path, "missing \"plugin_api_version\"");
  if (!j["plugin_api_version"].is_number_integer())
    return manifestError(path, "\"plugin_api_version\" must be an integer");
  m.apiVersion = j["plugin_api_version"].get<int>();
  std::string library;
  LOOM_ASSIGN_OR_RETURN(library, stringField(j, "library", path, true));
  if (library.empty()) return manifestError(path, "\"library\" is empty");
  m.libraryPath = (std::filesystem::path(path).parent_path() / library).lexically_normal().string();
  LOOM_ASSIGN_OR_RETURN(m.provides, parseProvides(j, path));
  return m;
}

Expected<PluginManifest> readPluginManifest(const std::string& path) {
  LOOM_ASSIGN_OR_RETURN(std::string text, readFile(path));
  return parsePluginManifest(text, path);
}

}  // namespace loom
