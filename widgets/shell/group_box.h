// A titled group box around one widget, the frame the modes put around their panels.
#pragma once

#include <QGroupBox>
#include <QString>
#include <QVBoxLayout>

namespace loom::studio {

/// A QGroupBox titled `title`, named `objectName` (tests and style sheets find it by that name),
/// holding `content` as its only child.
inline QGroupBox* titledGroup(const QString& title, QWidget* content, const char* objectName) {
  auto* box = new QGroupBox(title);
  box->setObjectName(QString::fromLatin1(objectName));
  auto* layout = new QVBoxLayout(box);
  layout->addWidget(content);
  return box;
}

}  // namespace loom::studio
