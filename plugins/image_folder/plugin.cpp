// The image_folder plugin's entry point: registers the "image_folder" dataset kind.
#include "engine/plugin/plugin_api.h"
#include "plugins/image_folder/image_folder_dataset.h"

extern "C" LOOM_PLUGIN_EXPORT int loom_plugin_register(int hostApiVersion, loom::PluginHost* host) {
  if (!loom::pluginApiMatches(hostApiVersion)) return LOOM_PLUGIN_API_VERSION;
  loom::DatasetKind kind;
  kind.name = "image_folder";
  kind.description =
      "a folder of PNG/JPEG/BMP images with train/ and test/, one sub-folder per class";
  kind.load = &loom::image_folder::loadImageFolder;
  kind.hasTestSplit = true;
  kind.normalization = loom::DatasetNormalization::PixelMeanStd;
  (void)host->addDatasetKind(std::move(kind));  // a failure refuses the plugin (plugin_api.h)
  return LOOM_PLUGIN_API_VERSION;
}
