// Where the Workers mode's hosts come from: an Open MPI hostfile (the engine's parser,
// readHostfile in engine/dist/launcher.h, so the studio accepts exactly what `loom launch`
// accepts), names typed in (checkHostName), the `Host` names of an ssh config, and the nodes
// of a Slurm partition (`sinfo -h -N -p PARTITION -o %N`, run by the caller as a QProcess).
// Everything here is a pure function over text; nothing runs a process.
#pragma once

#include <QString>
#include <QStringList>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "widgets/modes/workers/dist_launcher.h"

namespace loom::studio {

/// The concrete host names of `Host` lines of ssh_config(5) text ("Host a b", "host=c"),
/// in order, each once. Patterns (with '*', '?' or a '!' negation) name no one host and
/// are left out, as are names checkHostName() refuses.
QStringList hostsInSshConfig(const QString& text);

/// sinfo's arguments for the node names of `partition`, one per line: -h -N -p P -o %N.
QStringList sinfoArguments(const QString& partition);
/// The node names of sinfo's output (one per line, each once, in order).
QStringList nodesInSinfoOutput(const QString& output);

/// The hostfile `loom launch --hostfile` reads: "HOST slots=N" per entry (slots 0: no key).
std::string hostfileText(const std::vector<HostfileEntry>& hosts);

/// Checks a name typed in as checkHostName() does; the message without the "where" prefix.
Status checkTypedHost(const QString& host);

}  // namespace loom::studio
