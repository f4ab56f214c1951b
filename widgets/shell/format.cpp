#include "widgets/shell/format.h"

#include <QLocale>
#include <QStringList>

namespace loom::studio {

QString formatCount(std::int64_t value) {
  const double v = static_cast<double>(value);
  const double a = v < 0 ? -v : v;
  if (a < 10'000) return QLocale::c().toString(static_cast<qlonglong>(value));
  if (a < 1e6) return QString::number(v / 1e3, 'f', 1) + QStringLiteral(" k");
  if (a < 1e9) return QString::number(v / 1e6, 'f', 2) + QStringLiteral(" M");
  if (a < 1e12) return QString::number(v / 1e9, 'f', 2) + QStringLiteral(" G");
  return QString::number(v / 1e12, 'f', 2) + QStringLiteral(" T");
}

QString formatBytes(std::int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes < 1024) return QString::number(bytes) + QStringLiteral(" B");
  if (b < 1024.0 * 1024) return QString::number(b / 1024, 'f', 1) + QStringLiteral(" KiB");
  if (b < 1024.0 * 1024 * 1024)
    return QString::number(b / (1024 * 1024), 'f', 1) + QStringLiteral(" MiB");
  return QString::number(b / (1024.0 * 1024 * 1024), 'f', 2) + QStringLiteral(" GiB");
}

QString formatShape(const Dims& dims) {
  QStringList parts;
  for (std::size_t i = 0; i < dims.size(); ++i)
    parts << (i == 0 ? QStringLiteral("N") : QString::number(dims[i]));
  return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

}  // namespace loom::studio
