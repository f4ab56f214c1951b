target_sources(loom_engine PRIVATE)
