// EmbeddingsMode: TensorBoard's Embedding Projector without its caps. Opens a projector
// directory (Open Projector…, or a run directory holding projector/; docs/embeddings.md) and
// shows every point in an OpenGL view (point_view.h), 2-D or 3-D:
//  * colour by any metadata column with a legend, regex search over metadata (non-matching
//    points fade), lasso selection (Shift+drag or the Lasso tool), Isolate Selection;
//  * click a point: its thumbnail, metadata and k nearest neighbours in the ORIGINAL space,
//    Euclidean or cosine, with distances (the Point dock, neighbors_panel.h);
//  * thumbnails drawn in place of dots when zoomed in;
//  * a checkpoint slider over the frames of a trajectory ("NODE/METHOD@TAG" entries), mixing
//    neighbouring frames smoothly; Play animates it;
//  * PCA / t-SNE / UMAP run live on a worker thread (projection_job.h): progress, Cancel, and
//    the intermediate layouts drawn as the projection converges;
//  * Export PNG… (the view) and Export Selection CSV… (index, coordinates, metadata).
//
// Everything slow runs off the GUI thread: reading the directory, projections, neighbour
// queries, colouring and searching a million rows. Docks: Points (embeddingsPointsDock),
// Projection (embeddingsProjectionDock), Point (embeddingsPointDock). Saved state
// ("modes/embeddings"): the last directory, neighbour metric and k.
#pragma once

#include <QString>
#include <cstdint>
#include <memory>
#include <vector>

#include "widgets/modes/embeddings/embedding_set.h"
#include "widgets/modes/studio_mode.h"

class QLabel;
class QPushButton;
class QSlider;
class QStackedWidget;
class QTimer;

namespace loom::studio {

class NeighborsPanel;
class PointView;
class PointsPanel;
class ProjectionJob;
class ProjectionPanel;

class EmbeddingsMode : public StudioMode {
  Q_OBJECT

 public:
  explicit EmbeddingsMode(const ModeContext& context, QObject* parent = nullptr);
  ~EmbeddingsMode() override;

  QString id() const override { return QStringLiteral("embeddings"); }
  QString title() const override { return tr("Embeddings"); }
  QIcon icon() const override;
  QString toolTip() const override {
    return tr("Embeddings: project activations and explore their neighbourhoods");
  }
  QWidget* widget() const override;
  QList<QDockWidget*> docks() const override;
  void arrangeDocks(QMainWindow* window) override;
  ModeActions actions() const override { return m_actions; }
  void saveState(QSettings& settings) const override;
  void restoreState(QSettings& settings) override;

  // ---- driving (actions, tests) ----
  /// Starts reading `dir` off the GUI thread; loaded() follows. A read in progress is
  /// superseded.
  void openProjector(const QString& dir);
  /// The set shown (null before the first successful load).
  std::shared_ptr<const EmbeddingSet> set() const { return m_set; }
  /// The tracks offered: the directory's, then those computed here (live).
  const std::vector<LayoutTrack>& tracks() const { return m_tracks; }
  int currentTrack() const { return m_track; }
  void setCurrentTrack(int index);
  /// Checkpoint position: frame index plus fraction (the slider's value / kSliderSteps).
  double checkpointPosition() const;
  /// The original (index into set()->originals) that neighbours are measured in.
  int currentOriginal() const;
  /// Starts the Projection dock's method on the current original; false if one is running or
  /// nothing is loaded.
  bool runProjection();
  /// Grabs the view's last frame and writes it as PNG on a worker thread; pngExported()
  /// follows. False at once, with the reason in `error`, when there is no frame (no OpenGL).
  bool exportPng(const QString& path, QString* error = nullptr);
  /// Writes the selection as CSV; false with the reason in `error`.
  bool exportSelectionCsv(const QString& path, QString* error = nullptr);

  PointView* view() const { return m_view; }
  PointsPanel* pointsPanel() const { return m_points; }
  ProjectionPanel* projectionPanel() const { return m_projection; }
  NeighborsPanel* neighborsPanel() const { return m_neighbors; }
  ProjectionJob* projectionJob() const { return m_job; }
  QSlider* checkpointSlider() const { return m_slider; }
  QPushButton* playButton() const { return m_play; }
  QLabel* statusLabel() const { return m_status; }
  QAction* threeDAction() const { return m_threeD; }
  QAction* lassoAction() const { return m_lasso; }
  QAction* isolateAction() const { return m_isolate; }

  /// Slider units per checkpoint step.
  static constexpr int kSliderSteps = 100;

 signals:
  /// A read finished: ok, or the reason (shown in the status line too).
  void loaded(bool ok, const QString& message);
  /// An exportPng() ended: `error` is empty when the file was written.
  void pngExported(const QString& path, const QString& error);

 private:
  QWidget* createCentre();
  void createActions();
  QDockWidget* makeDock(const QString& title, const QString& name, QWidget* content);
  void setLoaded(std::shared_ptr<const EmbeddingSet> set);
  void refreshTracks(int current);
  void showFrames();
  void recolor(int column);
  void search(int column, const QString& pattern);
  void onPointClicked(std::int64_t index);
  void onSelectionChanged(std::int64_t count);
  void onLiveLayout(const std::shared_ptr<const std::vector<float>>& positions, bool final);
  void updateStatus();
  void openDialog();

  QStackedWidget* m_centre;
  PointView* m_view;
  QSlider* m_slider = nullptr;
  QPushButton* m_play = nullptr;
  QLabel* m_checkpointLabel = nullptr;
  QLabel* m_status = nullptr;
  QTimer* m_playTimer;
  PointsPanel* m_points;
  ProjectionPanel* m_projection;
  NeighborsPanel* m_neighbors;
  ProjectionJob* m_job;
  QDockWidget* m_pointsDock;
  QDockWidget* m_projectionDock;
  QDockWidget* m_pointDock;
  QAction* m_open = nullptr;
  QAction* m_threeD = nullptr;
  QAction* m_lasso = nullptr;
  QAction* m_isolate = nullptr;
  QAction* m_exportPng = nullptr;
  QAction* m_exportCsv = nullptr;
  ModeActions m_actions;

  std::shared_ptr<const EmbeddingSet> m_set;
  std::vector<LayoutTrack> m_tracks;
  int m_track = -1;
  int m_liveTrack = -1;     // the track the running projection streams into
  int m_liveOriginal = -1;  // its original
  std::vector<std::uint8_t> m_matches;
  std::uint64_t m_loadGeneration = 0, m_colorGeneration = 0, m_searchGeneration = 0;
  QString m_lastDir;
};

/// The ModeFactory of Embeddings (listed in widgets/modes/sources.cmake).
StudioMode* createEmbeddingsMode(const ModeContext& context, QObject* parent);

}  // namespace loom::studio
