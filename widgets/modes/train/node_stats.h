// The graph editor's node statistics as they travel to the GUI thread: the engine's NodeStats
// (engine/train/node_stats.h, computed on the training thread) per node name.
#pragma once

#include <QHash>
#include <QMetaType>
#include <QString>

#include "engine/train/node_stats.h"

namespace loom::studio {

using NodeStats = loom::NodeStats;
using NodeStatsMap = QHash<QString, NodeStats>;

}  // namespace loom::studio

Q_DECLARE_METATYPE(loom::NodeStats)
Q_DECLARE_METATYPE(loom::studio::NodeStatsMap)
