# Studio modes (widgets/modes): the StudioMode interface, the ModeManager that builds the mode
# bar and shows one mode at a time, and the modes, one folder each.
target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/mode_manager.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mode_manager.h
  ${CMAKE_CURRENT_LIST_DIR}/modes.h
  ${CMAKE_CURRENT_LIST_DIR}/studio_mode.h)

# loom_studio_mode(<folder> <factory>): adds the mode in widgets/modes/<folder>/. The folder
# holds sources.cmake (its files) and <folder>_mode.h, which declares
# `StudioMode* loom::studio::<factory>(const ModeContext&, QObject* parent)`.
set(LOOM_MODE_INCLUDES "")
set(LOOM_MODE_FACTORIES "")
set(LOOM_MODES_DIR ${CMAKE_CURRENT_LIST_DIR})
macro(loom_studio_mode folder factory)
  include(${LOOM_MODES_DIR}/${folder}/sources.cmake)
  string(APPEND LOOM_MODE_INCLUDES "#include \"widgets/modes/${folder}/${folder}_mode.h\"\n")
  string(APPEND LOOM_MODE_FACTORIES "      &${factory},\n")
endmacro()

# ---- The studio's modes, in mode-bar order (Ctrl+1 is the first): one line each. ----
loom_studio_mode(design createDesignMode)
loom_studio_mode(train createTrainMode)
loom_studio_mode(export createExportMode)
loom_studio_mode(inspect createInspectMode)
loom_studio_mode(workers createWorkersMode)
loom_studio_mode(embeddings createEmbeddingsMode)

# studioModes() (modes.h), written from the lines above.
configure_file(${LOOM_MODES_DIR}/modes.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/modes/modes.cpp @ONLY)
target_sources(loom_widgets PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/modes/modes.cpp)
