// The plugin API: what a Loom plugin implements and what it may call. (Manual: docs/plugins.md.)
//
// A plugin is a shared library plus a JSON manifest in one folder (plugins/<name>/ in the
// source tree). It adds engine-level things — ops, dataset kinds and, later, explainers — and
// may later add a studio panel. It does so through exactly ONE exported function:
//
//     extern "C" LOOM_PLUGIN_EXPORT int loom_plugin_register(int hostApiVersion, loom::PluginHost*
//     host);
//
// Lifecycle (engine/plugin/plugin_loader.h does this for every plugin found):
//  1. The loader reads the manifest and refuses the plugin, without opening the library, if
//     its "plugin_api_version" differs from kPluginApiVersion.
//  2. It dlopen()s the library (RTLD_NOW | RTLD_LOCAL) and looks up loom_plugin_register.
//  3. It calls loom_plugin_register(kPluginApiVersion, host) once. The plugin first compares
//     hostApiVersion with the kPluginApiVersion it was compiled with (pluginApiMatches()); if
//     they differ it must not touch `host` and returns at once. Otherwise it registers what
//     it provides through `host` and reports any failure with host->fail(). In both cases it
//     returns the kPluginApiVersion it was compiled with.
//  4. The loader refuses the plugin if the returned version differs from its own, if the
//     plugin called fail(), if it threw, or if what it registered differs from what its
//     manifest's "provides" declares. Only then does it add the registrations to the
//     process-wide registries — all of them or none, so a refused plugin leaves no trace.
//  5. A loaded library stays loaded for the life of the process (registered objects run its
//     code); there is no unload.
//
// Rules for plugin authors:
//  * Never let an exception leave loom_plugin_register (the loader catches one anyway and
//    refuses the plugin, but a C entry point should not throw); report errors with fail().
//  * No file-static registrar objects: register explicitly from the entry point.
//  * Build against the same Loom build that loads you (same compiler and standard library):
//    the host passes C++ objects (std::string, std::function, Status, unique_ptr<Op>). The
//    API version is bumped whenever this header, op.h's Op interface or dataset_registry.h's
//    DatasetKind changes incompatibly.
//  * Work that can fail at use time (reading files, decoding) belongs in the registered
//    loaders and kernels, which return Status like the rest of the engine.
//
// Explainers (added to version 1 without a version bump, because the change is additive:
// addExplainer() is appended after every older slot of PluginHost, so a plugin built before
// it never calls it and still finds the other slots where it expects them, and the manifest
// key "provides.explainers" is optional):
//  * PluginHost::addExplainer() adds an attribution method to engine/explain's registry
//    (engine/explain/registry.h); `loom explain --method NAME` then runs it like a built-in.
//  * The manifest declares them as "provides": { "explainers": ["my_method"] }.
//
// Reserved for later API versions (not part of version 1):
//  * Studio panels (widgets level, optional): a plugin that wants a panel will ship a second
//    library linked against loom_widgets, named by the manifest key "studio_library", with
//    its own entry point taking the studio's panel host (a dock widget factory). The engine
//    library stays Qt-free, so `loom` (the CLI) loads the same plugin without Qt. Version 1
//    loaders ignore that key.
#pragma once

#include <memory>
#include <string>

#include "engine/core/status.h"
#include "engine/data/dataset_registry.h"
#include "engine/explain/registry.h"
#include "engine/ops/op.h"

/// The plugin API version this Loom implements. A plugin declares the version it was written
/// for twice: as "plugin_api_version" in its manifest and as the return value of its entry
/// point. Both must equal this number exactly.
#define LOOM_PLUGIN_API_VERSION 1

/// Marks the entry point as exported from the plugin's shared library.
#define LOOM_PLUGIN_EXPORT __attribute__((visibility("default")))

/// The name of the one symbol the loader looks up.
#define LOOM_PLUGIN_ENTRY_POINT "loom_plugin_register"

namespace loom {

inline constexpr int kPluginApiVersion = LOOM_PLUGIN_API_VERSION;

/// What a plugin can do while it registers. The loader owns it; it is valid only during the
/// call to loom_plugin_register and must not be stored.
class PluginHost {
 public:
  virtual ~PluginHost() = default;

  /// The plugin's name as its manifest gives it ("image_folder"); also the `origin` of what
  /// it registers.
  virtual const std::string& pluginName() const = 0;

  /// Adds an op. The Op object's code lives in the plugin, so the library is never unloaded.
  /// InvalidArgument (naming the op and who registered it first) if the name is taken, by
  /// a built-in op, another plugin or this plugin; nothing is registered then.
  virtual Status addOp(std::unique_ptr<Op> op) = 0;

  /// Adds a dataset kind: the value of a model file's `dataset.kind` and its loader. The
  /// host sets `kind.origin` to the plugin's name. InvalidArgument if the name is taken or
  /// the kind has no loader.
  virtual Status addDatasetKind(DatasetKind kind) = 0;

  /// Reports that registration failed: the plugin is refused with `message` (which should
  /// name what failed) and none of its registrations are kept. May be called more than once.
  virtual void fail(const std::string& message) = 0;

  /// Adds an explainer (engine/explain/registry.h). The host sets `explainer.origin` to the
  /// plugin's name. InvalidArgument if the name is taken or it has no run function. (Appended
  /// last so that plugins built before it keep their vtable; see the note above.)
  virtual Status addExplainer(ExplainerInfo explainer) = 0;
};

/// The entry point's type, for the loader's dlsym.
using PluginRegisterFunction = int (*)(int hostApiVersion, PluginHost* host);

/// True when the host speaks the version this plugin was compiled for. Call it first:
///   if (!loom::pluginApiMatches(hostApiVersion)) return LOOM_PLUGIN_API_VERSION;
inline bool pluginApiMatches(int hostApiVersion) {
  return hostApiVersion == kPluginApiVersion;
}

}  // namespace loom

extern "C" {
/// Defined by every plugin (see the lifecycle above); returns the plugin's API version.
LOOM_PLUGIN_EXPORT int loom_plugin_register(int hostApiVersion, loom::PluginHost* host);
}
