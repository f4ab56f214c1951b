// Internal to engine/embed/tsne.cpp: the Barnes-Hut space-partitioning tree (quadtree for 2-D,
// octree for 3-D) over the current layout, rebuilt every iteration.
#pragma once

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
    m_nodes.clear();
    m_nodes.reserve(static_cast<std::size_t>(2 * n + 1));
    std::array<double, Dim> lo, hi;
    lo.fill(INFINITY);
    hi.fill(-INFINITY);
    for (std::int64_t i = 0; i < n; ++i)
      for (int d = 0; d < Dim; ++d) {
        lo[d] = std::min(lo[d], y[i * Dim + d]);
        hi[d] = std::max(hi[d], y[i * Dim + d]);
      }
    Node root;
    double half = 0;
    for (int d = 0; d < Dim; ++d) {
      root.center[d] = 0.5 * (lo[d] + hi[d]);
      half = std::max(half, 0.5 * (hi[d] - lo[d]));
    }
    root.half = half * (1 + 1e-5) + 1e-5;
    m_nodes.push_back(root);
    for (std::int64_t i = 0; i < n; ++i) insert(i);
    m_cells.resize(m_nodes.size());
    for (std::size_t c = 0; c < m_nodes.size(); ++c) {
      const Node& nd = m_nodes[c];
      Cell& cell = m_cells[c];
      for (int d = 0; d < Dim; ++d) cell.com[d] = nd.com[d];
      const double width = 2 * nd.half;
      cell.width2 = width * width;
      cell.count = static_cast<double>(nd.count);
      cell.firstChild = nd.firstChild;
      cell.point = nd.point;
    }
  }

  /// Repulsion on point i: adds sum_j q_ij^2 (y_i - y_j) to force and returns sum_j q_ij, with
  /// q_ij = 1 / (1 + |y_i - y_j|^2), cells far enough by theta taken as one mass.
  /// The walk reads the compact cell array that build() makes last: it is most of t-SNE's
  /// time, and a cell there is half the size of a Node, with empty cells never visited.
  double repulsion(std::int64_t i, double theta2, double* force) const {
    const double* yi = m_y + i * Dim;
    double z = 0;
    int stack[64 * kChildren];
    int top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const Cell& cell = m_cells[static_cast<std::size_t>(stack[--top])];
      double diff[Dim], d2 = 0;
      for (int d = 0; d < Dim; ++d) {
        diff[d] = yi[d] - cell.com[d];
        d2 += diff[d] * diff[d];
      }
      const bool leaf = cell.firstChild < 0;
      if (leaf || cell.width2 < theta2 * d2) {
        double mass = cell.count;
        if (leaf && cell.point == i) mass -= 1;  // never repel a point from itself
        if (mass <= 0) continue;
        const double q = 1.0 / (1.0 + d2);
        const double mq = mass * q;
        z += mq;
        for (int d = 0; d < Dim; ++d) force[d] += mq * q * diff[d];
      } else {
        for (int c = 0; c < kChildren; ++c)
          if (m_cells[static_cast<std::size_t>(cell.firstChild + c)].count > 0)
            stack[top++] = cell.firstChild + c;
      }
    }
    return z;
  }

 private:
  /// What repulsion() reads of a node.
  struct Cell {
    double com[Dim];
    double width2;  ///< the cell's squared width
    double count;
    int firstChild;
    std::int64_t point;
  };
  struct Node {
    double center[Dim] = {};
    double half = 0;
    double com[Dim] = {};
    std::int64_t count = 0;
    int firstChild = -1;
    std::int64_t point = -1;
  };
  static constexpr int kMaxDepth = 48;  // deeper cells merge points that are practically equal

  int childFor(const Node& nd, const double* p) const {
    int c = 0;
    for (int d = 0; d < Dim; ++d)
      if (p[d] > nd.center[d]) c |= 1 << d;
    return nd.firstChild + c;
  }

  void subdivide(int index) {
    const int first = static_cast<int>(m_nodes.size());
    for (int c = 0; c < kChildren; ++c) {
      Node child;
      const Node& parent = m_nodes[static_cast<std::size_t>(index)];
      child.half = parent.half * 0.5;
      for (int d = 0; d < Dim; ++d)
        child.center[d] = parent.center[d] + ((c >> d) & 1 ? child.half : -child.half);
      m_nodes.push_back(child);
    }
    m_nodes[static_cast<std::size_t>(index)].firstChild = first;
  }

  void insert(std::int64_t i) {
    const double* p = m_y + i * Dim;
    int index = 0;
    for (int depth = 0;; ++depth) {
      Node* nd = &m_nodes[static_cast<std::size_t>(index)];
      const double w = 1.0 / static_cast<double>(nd->count + 1);
      for (int d = 0; d < Dim; ++d) nd->com[d] += (p[d] - nd->com[d]) * w;
      ++nd->count;
      if (nd->firstChild >= 0) {
        index = childFor(*nd, p);
        continue;
      }
      if (nd->count == 1) {
        nd->point = i;
        return;
      }
      const double* q = m_y + nd->point * Dim;
      bool same = true;
      for (int d = 0; d < Dim; ++d) same = same && q[d] == p[d];
      if (same || depth >= kMaxDepth) return;  // a multiple point: mass at the centre of mass
      const std::int64_t existing = nd->point;
      const std::int64_t existingCount = nd->count - 1;
      subdivide(index);
      nd = &m_nodes[static_cast<std::size_t>(index)];
      nd->point = -1;
      Node& moved = m_nodes[static_cast<std::size_t>(childFor(*nd, q))];
      for (int d = 0; d < Dim; ++d) moved.com[d] = q[d];
      moved.count = existingCount;
      moved.point = existing;
      index = childFor(*nd, p);
    }
  }

  const double* m_y = nullptr;
  std::vector<Node> m_nodes;
  std::vector<Cell> m_cells;
};

}  // namespace loom::embed::detail
