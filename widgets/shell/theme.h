// Light and dark themes. "System" follows the platform palette; Light/Dark override it.
//
// Themes are whole QPalettes on the Fusion style, so every widget (and the canvas, which
// paints from the palette) changes together. The system palette is captured once at start
// (captureSystemPalette) so switching back to System restores it exactly.
#pragma once

#include <QPalette>
#include <QString>
#include <optional>

namespace loom::studio {

enum class Theme { System, Light, Dark };

/// "system" / "light" / "dark".
QString themeName(Theme theme);
/// Parses themeName's output (case-insensitive); nullopt for anything else.
std::optional<Theme> parseTheme(const QString& name);

/// Remembers the platform's palette; call once after QApplication exists, before applyTheme.
void captureSystemPalette();
/// The palette for `theme` (System: the captured platform palette).
QPalette themePalette(Theme theme);
/// Sets the application palette (and the Fusion style for Light/Dark, which honours it).
void applyTheme(Theme theme);
/// True if `palette` is a dark one (window colour darker than mid-grey).
bool isDark(const QPalette& palette);

}  // namespace loom::studio
