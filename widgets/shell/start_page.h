// StartPage: what the studio shows with no model open — templates and recent files.
//
// Templates are the example models compiled into the application (resources/examples,
// resource prefix ":/examples"): an MLP, a 2-conv CNN, a CNN with BatchNorm, a small
// residual net. Choosing one opens a copy as a new untitled document.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>
#include <vector>

class QListWidget;

namespace loom::studio {

struct TemplateInfo {
  QString title;        ///< "2-conv CNN"
  QString resource;     ///< ":/examples/cnn.loom"
  QString description;  ///< from the file's description field
};

/// The built-in templates in display order.
std::vector<TemplateInfo> builtinTemplates();

class StartPage : public QWidget {
  Q_OBJECT

 public:
  explicit StartPage(QWidget* parent = nullptr);

  /// Replaces the recent-files list (most recent first; missing files are shown disabled).
  void setRecentFiles(const QStringList& paths);
  QListWidget* recentList() const { return m_recent; }

 signals:
  void newRequested();
  void openRequested();  ///< the Open… button: the main window shows a file dialog
  void templateChosen(const QString& resource, const QString& title);
  void recentChosen(const QString& path);

 private:
  QListWidget* m_recent;
  QWidget* m_card;
};

}  // namespace loom::studio
