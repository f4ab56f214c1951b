// Internal to engine/embed/tsne.cpp: the Barnes-Hut space-partitioning tree (quadtree for 2-D,
// octree for 3-D) over the current layout, rebuilt every iteration.
//
// The tree is a function of the point set alone: a cell is split into 2^Dim children at its
// centre when it holds at least two distinct points and lies less than kMaxDepth levels below
// the root; its centre of mass is the running mean of its points in index order (the order an
// insertion of points 0, 1, ... would give). build() makes it top-down, the large cells near
// the root one after another, then the subtrees below them in parallel, so the cells and their
// sums do not depend on the thread count.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace loom::embed::detail {

template <int Dim>
class BarnesHutTree {
 public:
  static constexpr int kChildren = 1 << Dim;

  /// Builds the tree over `n` points `y` (n * Dim values, row-major).
  void build(const double* y, std::int64_t n) {
    m_y = y;
    const auto count = static_cast<std::int32_t>(n);
    std::array<double, Dim> lo, hi;
    lo.fill(INFINITY);
    hi.fill(-INFINITY);
    for (std::int64_t i = 0; i < n; ++i)
      for (int d = 0; d < Dim; ++d) {
        lo[d] = std::min(lo[d], y[i * Dim + d]);
        hi[d] = std::max(hi[d], y[i * Dim + d]);
      }
    Task root;
    double half = 0;
    for (int d = 0; d < Dim; ++d) {
      root.center[d] = 0.5 * (lo[d] + hi[d]);
      half = std::max(half, 0.5 * (hi[d] - lo[d]));
    }
    m_half[0] = half * (1 + 1e-5) + 1e-5;
    for (int depth = 1; depth <= kMaxDepth; ++depth) m_half[depth] = m_half[depth - 1] * 0.5;
    for (int depth = 0; depth <= kMaxDepth; ++depth) {
      const double width = 2 * m_half[depth];
      m_width2[depth] = width * width;
    }
    if (m_recip.size() < static_cast<std::size_t>(n)) {
      m_recip.resize(static_cast<std::size_t>(n));
      for (std::int64_t t = 0; t < n; ++t)
        m_recip[static_cast<std::size_t>(t)] = 1.0 / static_cast<double>(t + 1);
    }
    for (auto& buffer : m_pts) buffer.resize(static_cast<std::size_t>(n));
#pragma omp parallel for schedule(static)
    for (std::int32_t i = 0; i < count; ++i) {
      Pt& pt = m_pts[0][static_cast<std::size_t>(i)];
      for (int d = 0; d < Dim; ++d) pt.p[d] = y[static_cast<std::size_t>(i) * Dim + d];
      pt.index = i;
    }

    // The cells near the root, breadth first, until each pending one holds few enough points
    // to be a subtree of its own.
    const std::int32_t jobPoints = std::max<std::int32_t>(count / 64, 256);
    m_cells.clear();
    m_cells.emplace_back();
    root.cell = 0;
    root.begin = 0;
    root.end = count;
    root.depth = 0;
    m_jobs.clear();
    m_queue.clear();
    m_queue.push_back(root);
    for (std::size_t q = 0; q < m_queue.size(); ++q) {
      const Task task = m_queue[q];
      if (task.end - task.begin <= jobPoints)
        m_jobs.push_back(task);
      else
        split(m_cells, task, [&](const Task& child) { m_queue.push_back(child); });
    }
    // The subtrees, each into a cell array of its own (its root first), then appended.
    const auto jobs = static_cast<std::int32_t>(m_jobs.size());
    if (m_local.size() < m_jobs.size()) m_local.resize(m_jobs.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (std::int32_t j = 0; j < jobs; ++j) {
      std::vector<Cell>& local = m_local[static_cast<std::size_t>(j)];
      local.clear();
      local.emplace_back();
      Task task = m_jobs[static_cast<std::size_t>(j)];
      task.cell = 0;
      grow(local, task);
    }
    std::size_t total = m_cells.size();
    m_offsets.resize(m_jobs.size());
    for (std::size_t j = 0; j < m_jobs.size(); ++j) {
      m_offsets[j] = static_cast<std::int32_t>(total) - 1;  // local cell k >= 1 goes to k + this
      total += m_local[j].size() - 1;
    }
    m_cells.resize(total);
#pragma omp parallel for schedule(dynamic, 4)
    for (std::int32_t j = 0; j < jobs; ++j) {
      const std::vector<Cell>& local = m_local[static_cast<std::size_t>(j)];
      const std::int32_t offset = m_offsets[static_cast<std::size_t>(j)];
      for (std::size_t k = 0; k < local.size(); ++k) {
        Cell cell = local[k];
        if (cell.children > 0) cell.firstChild += offset;
        m_cells[k == 0 ? static_cast<std::size_t>(m_jobs[static_cast<std::size_t>(j)].cell)
                       : k + static_cast<std::size_t>(offset)] = cell;
      }
    }
  }

  /// Repulsion on point i: adds sum_j q_ij^2 (y_i - y_j) to force and returns sum_j q_ij, with
  /// q_ij = 1 / (1 + |y_i - y_j|^2), cells far enough by theta taken as one mass.
  /// Cells are visited depth first, the children of an opened cell last to first; a cell is
  /// 32 bytes (2-D) and only non-empty ones are stored, the children of a cell side by side.
  double repulsion(std::int64_t i, double theta2, double* force) const {
    const double* yi = m_y + i * Dim;
    double p[Dim], f[Dim];
    for (int d = 0; d < Dim; ++d) {
      p[d] = yi[d];
      f[d] = force[d];
    }
    const Cell* cells = m_cells.data();
    double z = 0;
    std::int32_t stack[kMaxDepth * (kChildren - 1) + kChildren];
    int top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const Cell& cell = cells[stack[--top]];
      double diff[Dim], d2 = 0;
      for (int d = 0; d < Dim; ++d) {
        diff[d] = p[d] - cell.com[d];
        d2 += diff[d] * diff[d];
      }
      double mass;
      if (cell.children == 0) {
        mass = static_cast<double>(cell.count);
        if (cell.point == i) {  // never repel a point from itself
          mass -= 1;
          if (mass <= 0) continue;
        }
      } else if (m_width2[cell.depth] < theta2 * d2) {
        mass = static_cast<double>(cell.count);
      } else {
        for (int c = 0; c < kChildren; ++c) stack[top + c] = cell.firstChild + c;
        top += cell.children;
        continue;
      }
      const double q = 1.0 / (1.0 + d2);
      const double mq = mass * q;
      z += mq;
      for (int d = 0; d < Dim; ++d) f[d] += mq * q * diff[d];
    }
    for (int d = 0; d < Dim; ++d) force[d] = f[d];
    return z;
  }

 private:
  /// What repulsion() reads of a cell.
  struct Cell {
    double com[Dim];
    std::int32_t count;
    std::int32_t firstChild;  ///< the first of `children` consecutive (non-empty) children
    std::int32_t point;       ///< a leaf's first point (its lowest index)
    std::uint8_t children;    ///< 0: a leaf
    std::uint8_t depth;
  };
  /// A point and its index, partitioned between the two buffers level by level.
  struct Pt {
    double p[Dim];
    std::int32_t index;
  };
  /// A cell to fill: its points are m_pts[depth % 2][begin, end), in index order.
  struct Task {
    std::int32_t cell = 0, begin = 0, end = 0, depth = 0;
    double center[Dim] = {};
  };
  static constexpr int kMaxDepth = 48;  // deeper cells merge points that are practically equal

  /// Fills cells[task.cell] from its points; when it splits, adds its non-empty children to
  /// `cells` and hands each one's task to `child`, first to last.
  template <class ChildFn>
  void split(std::vector<Cell>& cells, const Task& task, ChildFn&& child) {
    const Pt* src = m_pts[static_cast<std::size_t>(task.depth & 1)].data();
    const std::int32_t n = task.end - task.begin;
    double com[Dim] = {};
    bool same = true;
    std::int32_t counts[kChildren] = {};
    const Pt& first = src[task.begin];
    for (std::int32_t t = 0; t < n; ++t) {
      const Pt& pt = src[task.begin + t];
      const double w = m_recip[static_cast<std::size_t>(t)];
      int c = 0;
      for (int d = 0; d < Dim; ++d) {
        com[d] += (pt.p[d] - com[d]) * w;
        same = same && pt.p[d] == first.p[d];
        if (pt.p[d] > task.center[d]) c |= 1 << d;
      }
      ++counts[c];
    }
    Cell cell;
    for (int d = 0; d < Dim; ++d) cell.com[d] = com[d];
    cell.count = n;
    cell.depth = static_cast<std::uint8_t>(task.depth);
    if (n == 1 || same || task.depth >= kMaxDepth) {  // multiple points: one mass at their com
      cell.firstChild = -1;
      cell.point = first.index;
      cell.children = 0;
      cells[static_cast<std::size_t>(task.cell)] = cell;
      return;
    }
    std::int32_t start[kChildren];
    int children = 0;
    for (int c = 0, at = task.begin; c < kChildren; ++c) {
      start[c] = at;
      at += counts[c];
      children += counts[c] > 0;
    }
    Pt* dst = m_pts[static_cast<std::size_t>((task.depth + 1) & 1)].data();
    std::int32_t at[kChildren];
    std::copy(start, start + kChildren, at);
    for (std::int32_t t = task.begin; t < task.end; ++t) {
      const Pt& pt = src[t];
      int c = 0;
      for (int d = 0; d < Dim; ++d)
        if (pt.p[d] > task.center[d]) c |= 1 << d;
      dst[at[c]++] = pt;
    }
    const auto firstChild = static_cast<std::int32_t>(cells.size());
    cell.firstChild = firstChild;
    cell.point = -1;
    cell.children = static_cast<std::uint8_t>(children);
    cells[static_cast<std::size_t>(task.cell)] = cell;
    cells.resize(cells.size() + static_cast<std::size_t>(children));
    const double half = m_half[task.depth + 1];
    for (int c = 0, next = firstChild; c < kChildren; ++c) {
      if (counts[c] == 0) continue;
      Task sub;
      sub.cell = next++;
      sub.begin = start[c];
      sub.end = start[c] + counts[c];
      sub.depth = task.depth + 1;
      for (int d = 0; d < Dim; ++d) sub.center[d] = task.center[d] + ((c >> d) & 1 ? half : -half);
      child(sub);
    }
  }

  /// The whole subtree of a task, depth first.
  void grow(std::vector<Cell>& cells, const Task& task) {
    split(cells, task, [&](const Task& child) { grow(cells, child); });
  }

  const double* m_y = nullptr;
  std::vector<Cell> m_cells;
  double m_half[kMaxDepth + 1] = {};
  double m_width2[kMaxDepth + 1] = {};
  std::vector<double> m_recip;  ///< 1 / (t + 1): the running mean's weights
  std::vector<Pt> m_pts[2];
  std::vector<Task> m_queue, m_jobs;
  std::vector<std::vector<Cell>> m_local;
  std::vector<std::int32_t> m_offsets;
};

}  // namespace loom::embed::detail
