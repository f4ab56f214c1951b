#include "widgets/shell/theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>
#include <optional>

namespace loom::studio {

namespace {

std::optional<QPalette>& systemPalette() {
  static std::optional<QPalette> palette;
  return palette;
}

QPalette lightPalette() {
  QPalette p;
  const QColor window(0xf3, 0xf4, 0xf6), base(0xff, 0xff, 0xff), text(0x1f, 0x23, 0x28);
  const QColor highlight(0x2f, 0x6f, 0xc4);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, QColor(0xf6, 0xf8, 0xfa));
  p.setColor(QPalette::ToolTipBase, QColor(0xff, 0xfb, 0xe6));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8f, 0x98));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, QColor(0xe9, 0xeb, 0xee));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::white);
  p.setColor(QPalette::Light, Qt::white);
  p.setColor(QPalette::Midlight, QColor(0xe0, 0xe2, 0xe6));
  p.setColor(QPalette::Mid, QColor(0xb8, 0xbc, 0xc4));
  p.setColor(QPalette::Dark, QColor(0x8a, 0x8f, 0x98));
  p.setColor(QPalette::Shadow, QColor(0x50, 0x55, 0x5c));
  p.setColor(QPalette::Highlight, highlight);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, highlight);
  p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x9a, 0x9f, 0xa8));
  p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x9a, 0x9f, 0xa8));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x9a, 0x9f, 0xa8));
  return p;
}

QPalette darkPalette() {
  QPalette p;
  const QColor window(0x25, 0x27, 0x2b), base(0x1b, 0x1d, 0x20), text(0xe3, 0xe6, 0xea);
  const QColor highlight(0x3d, 0x7e, 0xd6);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, QColor(0x22, 0x25, 0x29));
  p.setColor(QPalette::ToolTipBase, QColor(0x30, 0x33, 0x38));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(0x80, 0x86, 0x8f));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, QColor(0x30, 0x33, 0x38));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
  p.setColor(QPalette::Light, QColor(0x45, 0x49, 0x50));
  p.setColor(QPalette::Midlight, QColor(0x3a, 0x3d, 0x43));
  p.setColor(QPalette::Mid, QColor(0x2c, 0x2f, 0x34));
  p.setColor(QPalette::Dark, QColor(0x18, 0x1a, 0x1d));
  p.setColor(QPalette::Shadow, QColor(0x0c, 0x0d, 0x0f));
  p.setColor(QPalette::Highlight, highlight);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, QColor(0x6c, 0xa6, 0xf0));
  p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6a, 0x6f, 0x77));
  p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6a, 0x6f, 0x77));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6a, 0x6f, 0x77));
  return p;
}

}  // namespace

QString themeName(Theme theme) {
  switch (theme) {
    case Theme::System:
      return QStringLiteral("system");
    case Theme::Light:
      return QStringLiteral("light");
    case Theme::Dark:
      return QStringLiteral("dark");
  }
  return QStringLiteral("system");
}

std::optional<Theme> parseTheme(const QString& name) {
  for (Theme t : {Theme::System, Theme::Light, Theme::Dark})
    if (name.compare(themeName(t), Qt::CaseInsensitive) == 0) return t;
  return std::nullopt;
}

void captureSystemPalette() {
  if (!systemPalette()) systemPalette() = QApplication::palette();
}

QPalette themePalette(Theme theme) {
  switch (theme) {
    case Theme::System:
      return systemPalette() ? *systemPalette() : QApplication::palette();
    case Theme::Light:
      return lightPalette();
    case Theme::Dark:
      return darkPalette();
  }
  return lightPalette();
}

void applyTheme(Theme theme) {
  captureSystemPalette();
  // Fusion draws everything from the palette, so our light/dark palettes look the same on
  // every platform; for System keep Fusion too, the platform palette still drives it.
  if (QApplication::style()->name().compare(QStringLiteral("fusion"), Qt::CaseInsensitive) != 0)
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
  QApplication::setPalette(themePalette(theme));
}

bool isDark(const QPalette& palette) {
  return palette.color(QPalette::Window).lightness() < 128;
}

}  // namespace loom::studio
