// A library with the right manifest but without the entry point.
extern "C" __attribute__((visibility("default"))) int loom_plugin_regster_typo() {
  return 1;
}
