// the Winograd kernels of winograd.cc, included once per instruction set: winograd.cc defines WG_VEC
// (floats per vector of the tile transforms: 4, 8 or 16) and wraps the inclusion in its namespace and
// target pragma. Each lane is transformed by the same operations whatever the width (no FMA contraction:
// -ffp-contract=off), so every instruction set gives the same bits
// (no include guard: included once per instruction set)

constexpr long L = NR;  // tiles per micro-panel (lanes)
// 16-column B panels per micro-kernel call: 2 with AVX-512 (its 6x32 kernel keeps 12 FMA chains in flight: the same bits)
#if WG_VEC >= 16
constexpr long kPair = 2;
constexpr auto ukrPair = ukrPairAvx512;
#else
constexpr long kPair = 1;
inline void ukrPair(long, const float*, const float*, const float*, float*, long, float, long, long) {}
#endif

// the per-position blocks are this far apart: one cache line past the block, so that they do
// not sit a multiple of 4 KiB apart (which made them evict each other and alias store forwarding)
inline long skew(long floats) { return floats + 16; }

// the 1-D transforms of F(2,3): x -> y
struct F2 {
  static constexpr long M = 2, A = 4, P = 16, R = 3;
  template <class T> static void bt(const T* d, T* v) { v[0] = d[0] - d[2]; v[1] = d[1] + d[2]; v[2] = d[2] - d[1]; v[3] = d[1] - d[3]; }
  template <class T> static void g(const T* g, T* u) { u[0] = g[0]; u[1] = 0.5f * ((g[0] + g[1]) + g[2]); u[2] = 0.5f * ((g[0] - g[1]) + g[2]); u[3] = g[2]; }
  template <class T> static void at(const T* m, T* y) { y[0] = (m[0] + m[1]) + m[2]; y[1] = (m[1] - m[2]) - m[3]; }
  // adjoints: A (output gradient -> positions), B (positions -> patch gradient), G^T (positions -> kernel gradient)
  template <class T> static void a(const T* y, T* u) { u[0] = y[0]; u[1] = y[0] + y[1]; u[2] = y[0] - y[1]; u[3] = -y[1]; }
  template <class T> static void b(const T* x, T* d) { d[0] = x[0]; d[1] = (x[1] - x[2]) + x[3]; d[2] = (x[1] + x[2]) - x[0]; d[3] = -x[3]; }
  template <class T> static void gt(const T* m, T* k) { k[0] = m[0] + 0.5f * (m[1] + m[2]); k[1] = 0.5f * (m[1] - m[2]); k[2] = 0.5f * (m[1] + m[2]) + m[3]; }
};

struct F4 {
  static constexpr long M = 4, A = 6, P = 36, R = 3;
  template <class T> static void bt(const T* d, T* v) {
    v[0] = (4.0f * d[0] - 5.0f * d[2]) + d[4];
    v[1] = (d[3] + d[4]) - 4.0f * (d[1] + d[2]);
    v[2] = (d[4] - d[3]) + 4.0f * (d[1] - d[2]);
    v[3] = (d[4] - d[2]) + 2.0f * (d[3] - d[1]);
    v[4] = (d[4] - d[2]) - 2.0f * (d[3] - d[1]);
    v[5] = (4.0f * d[1] - 5.0f * d[3]) + d[5];
  }
  template <class T> static void g(const T* g, T* u) {
    const float s = 1.0f / 6.0f;
    u[0] = 0.25f * g[0];
    u[1] = -s * ((g[0] + g[1]) + g[2]);
    u[2] = -s * ((g[0] - g[1]) + g[2]);
    u[3] = s * ((0.25f * g[0] + 0.5f * g[1]) + g[2]);
    u[4] = s * ((0.25f * g[0] - 0.5f * g[1]) + g[2]);
    u[5] = g[2];
  }
  template <class T> static void at(const T* m, T* y) {
    const T p12 = m[1] + m[2], m12 = m[1] - m[2], p34 = m[3] + m[4], m34 = m[3] - m[4];
    y[0] = (m[0] + p12) + p34;
    y[1] = m12 + 2.0f * m34;
    y[2] = p12 + 4.0f * p34;
    y[3] = (m12 + 8.0f * m34) + m[5];
  }
  template <class T> static void a(const T* y, T* u) {
    const T e = y[0] + y[2], o = y[1] + y[3], e4 = y[0] + 4.0f * y[2], o4 = 2.0f * (y[1] + 4.0f * y[3]);
    u[0] = y[0]; u[1] = e + o; u[2] = e - o; u[3] = e4 + o4; u[4] = e4 - o4; u[5] = y[3];
  }
  template <class T> static void b(const T* x, T* d) {
    d[0] = 4.0f * x[0];
    d[1] = (4.0f * (x[2] - x[1]) + 2.0f * (x[4] - x[3])) + 4.0f * x[5];
    d[2] = (-5.0f * x[0] - 4.0f * (x[1] + x[2])) - (x[3] + x[4]);
    d[3] = ((x[1] - x[2]) + 2.0f * (x[3] - x[4])) - 5.0f * x[5];
    d[4] = ((x[0] + x[1]) + (x[2] + x[3])) + x[4];
    d[5] = x[5];
  }
  template <class T> static void gt(const T* m, T* k) {
    const float s = 1.0f / 6.0f;
    const T p12 = m[1] + m[2], p34 = m[3] + m[4];
    k[0] = (0.25f * m[0] - s * p12) + (s * 0.25f) * p34;
    k[1] = s * (m[2] - m[1]) + (s * 0.5f) * (m[3] - m[4]);
    k[2] = s * (p34 - p12) + m[5];
  }
};


// F(3,3), points 0, 1, -1, 2, inf: B^T = [2 -1 -2 1 0; 0 -2 -1 1 0; 0 2 -3 1 0; 0 -1 0 1 0; 0 2 -1 -2 1]
// G = [1/2 0 0; -1/2 -1/2 -1/2; -1/6 1/6 -1/6; 1/6 1/3 2/3; 0 0 1]  A^T = [1 1 1 1 0; 0 1 -1 2 0; 0 1 1 4 1]
struct F3 {
  static constexpr long M = 3, A = 5, P = 25, R = 3;
  template <class T> static void bt(const T* d, T* v) {
    v[0] = (2.0f * (d[0] - d[2]) - d[1]) + d[3];
    v[1] = (d[3] - d[2]) - 2.0f * d[1];
    v[2] = (2.0f * d[1] - 3.0f * d[2]) + d[3];
    v[3] = d[3] - d[1];
    v[4] = (2.0f * (d[1] - d[3]) - d[2]) + d[4];
  }
  template <class T> static void g(const T* g, T* u) {
    const float s = 1.0f / 6.0f;
    u[0] = 0.5f * g[0];
    u[1] = -0.5f * ((g[0] + g[1]) + g[2]);
    u[2] = s * ((g[1] - g[0]) - g[2]);
    u[3] = s * ((g[0] + 2.0f * g[1]) + 4.0f * g[2]);
    u[4] = g[2];
  }
  template <class T> static void at(const T* m, T* y) {
    y[0] = (m[0] + m[1]) + (m[2] + m[3]);
    y[1] = (m[1] - m[2]) + 2.0f * m[3];
    y[2] = ((m[1] + m[2]) + 4.0f * m[3]) + m[4];
  }
  template <class T> static void a(const T* y, T* u) {
    u[0] = y[0]; u[1] = (y[0] + y[1]) + y[2]; u[2] = (y[0] - y[1]) + y[2]; u[3] = (y[0] + 2.0f * y[1]) + 4.0f * y[2]; u[4] = y[2];
  }
  template <class T> static void b(const T* x, T* d) {
    d[0] = 2.0f * x[0];
    d[1] = (2.0f * (x[2] + x[4]) - 2.0f * x[1]) - (x[0] + x[3]);
    d[2] = -((2.0f * x[0] + x[1]) + (3.0f * x[2] + x[4]));
    d[3] = ((x[0] + x[1]) + (x[2] + x[3])) - 2.0f * x[4];
    d[4] = x[4];
  }
  template <class T> static void gt(const T* m, T* k) {
    const float s = 1.0f / 6.0f;
    k[0] = 0.5f * (m[0] - m[1]) + s * (m[3] - m[2]);
    k[1] = (s * m[2] - 0.5f * m[1]) + (2.0f * s) * m[3];
    k[2] = ((4.0f * s) * m[3] - (0.5f * m[1] + s * m[2])) + m[4];
  }
};

// F(5,3), points 0, 1, -1, 2, -2, 1/2, inf (matrices from the Toom-Cook construction; the terms below
// are their nonzero entries, left to right): the backward passes of maps whose sides are multiples of 5
struct F5 {
  static constexpr long M = 5, A = 7, P = 49, R = 3;
  template <class T> static void bt(const T* d, T* v) {
    v[0] = ((((-2.0f * d[0] + 4.0f * d[1]) + 2.5f * d[2]) - 5.0f * d[3]) - 0.5f * d[4]) + d[5];
    v[1] = (((2.0f * d[1] - 2.0f * d[2]) - 4.5f * d[3]) + 0.5f * d[4]) + d[5];
    v[2] = (((-2.0f * d[1] + 6.0f * d[2]) - 3.5f * d[3]) - 1.5f * d[4]) + d[5];
    v[3] = (((d[1] - 1.5f * d[2]) - 2.0f * d[3]) + 1.5f * d[4]) + d[5];
    v[4] = ((-d[1] + 2.5f * d[2]) - 2.5f * d[4]) + d[5];
    v[5] = (4.0f * d[1] - 5.0f * d[3]) + d[5];
    v[6] = ((((-2.0f * d[1] + 4.0f * d[2]) + 2.5f * d[3]) - 5.0f * d[4]) - 0.5f * d[5]) + d[6];
  }
  template <class T> static void g(const T* g, T* u) {
    u[0] = -0.5f * g[0];
    u[1] = ((-1.0f / 3.0f) * g[0] - (1.0f / 3.0f) * g[1]) - (1.0f / 3.0f) * g[2];
    u[2] = ((1.0f / 9.0f) * g[0] - (1.0f / 9.0f) * g[1]) + (1.0f / 9.0f) * g[2];
    u[3] = ((1.0f / 36.0f) * g[0] + (1.0f / 18.0f) * g[1]) + (1.0f / 9.0f) * g[2];
    u[4] = ((-1.0f / 60.0f) * g[0] + (1.0f / 30.0f) * g[1]) - (1.0f / 15.0f) * g[2];
    u[5] = ((32.0f / 45.0f) * g[0] + (16.0f / 45.0f) * g[1]) + (8.0f / 45.0f) * g[2];
    u[6] = g[2];
  }
  template <class T> static void at(const T* m, T* y) {
    y[0] = ((((m[0] + m[1]) + m[2]) + m[3]) + m[4]) + m[5];
    y[1] = (((m[1] - m[2]) + 2.0f * m[3]) - 2.0f * m[4]) + 0.5f * m[5];
    y[2] = (((m[1] + m[2]) + 4.0f * m[3]) + 4.0f * m[4]) + 0.25f * m[5];
    y[3] = (((m[1] - m[2]) + 8.0f * m[3]) - 8.0f * m[4]) + 0.125f * m[5];
    y[4] = ((((m[1] + m[2]) + 16.0f * m[3]) + 16.0f * m[4]) + 0.0625f * m[5]) + m[6];
  }
  template <class T> static void a(const T* y, T* u) {
    u[0] = y[0];
    u[1] = (((y[0] + y[1]) + y[2]) + y[3]) + y[4];
    u[2] = (((y[0] - y[1]) + y[2]) - y[3]) + y[4];
    u[3] = (((y[0] + 2.0f * y[1]) + 4.0f * y[2]) + 8.0f * y[3]) + 16.0f * y[4];
    u[4] = (((y[0] - 2.0f * y[1]) + 4.0f * y[2]) - 8.0f * y[3]) + 16.0f * y[4];
    u[5] = (((y[0] + 0.5f * y[1]) + 0.25f * y[2]) + 0.125f * y[3]) + 0.0625f * y[4];
    u[6] = y[4];
  }
  template <class T> static void b(const T* x, T* d) {
    d[0] = -2.0f * x[0];
    d[1] = (((((4.0f * x[0] + 2.0f * x[1]) - 2.0f * x[2]) + x[3]) - x[4]) + 4.0f * x[5]) - 2.0f * x[6];
    d[2] = ((((2.5f * x[0] - 2.0f * x[1]) + 6.0f * x[2]) - 1.5f * x[3]) + 2.5f * x[4]) + 4.0f * x[6];
    d[3] = ((((-5.0f * x[0] - 4.5f * x[1]) - 3.5f * x[2]) - 2.0f * x[3]) - 5.0f * x[5]) + 2.5f * x[6];
    d[4] = ((((-0.5f * x[0] + 0.5f * x[1]) - 1.5f * x[2]) + 1.5f * x[3]) - 2.5f * x[4]) - 5.0f * x[6];
    d[5] = (((((x[0] + x[1]) + x[2]) + x[3]) + x[4]) + x[5]) - 0.5f * x[6];
    d[6] = x[6];
  }
  template <class T> static void gt(const T* m, T* k) {
    k[0] = ((((-0.5f * m[0] - (1.0f / 3.0f) * m[1]) + (1.0f / 9.0f) * m[2]) + (1.0f / 36.0f) * m[3]) - (1.0f / 60.0f) * m[4]) + (32.0f / 45.0f) * m[5];
    k[1] = ((((-1.0f / 3.0f) * m[1] - (1.0f / 9.0f) * m[2]) + (1.0f / 18.0f) * m[3]) + (1.0f / 30.0f) * m[4]) + (16.0f / 45.0f) * m[5];
    k[2] = (((((-1.0f / 3.0f) * m[1] + (1.0f / 9.0f) * m[2]) + (1.0f / 9.0f) * m[3]) - (1.0f / 15.0f) * m[4]) + (8.0f / 45.0f) * m[5]) + m[6];
  }
};

// F(6,3), points 0, 1, -1, 2, -2, 1/2, -1/2, inf (NNPACK's fp32 choice):
//   B^T = [1 0 -21/4 0 21/4 0 -1 0; 0 1 1 -17/4 -17/4 1 1 0; 0 -1 1 17/4 -17/4 -1 1 0; 0 1/2 1/4 -5/2 -5/4 2 1 0;
//          0 -1/2 1/4 5/2 -5/4 -2 1 0; 0 2 4 -5/2 -5 1/2 1 0; 0 -2 4 5/2 -5 -1/2 1 0; 0 -1 0 21/4 0 -21/4 0 1]
//   G = [1 0 0; -2/9 -2/9 -2/9; -2/9 2/9 -2/9; 1/90 1/45 2/45; 1/90 -1/45 2/45; 32/45 16/45 8/45; 32/45 -16/45 8/45; 0 0 1]
//   A^T = [1 1 1 1 1 1 1 0; 0 1 -1 2 -2 1/2 -1/2 0; 0 1 1 4 4 1/4 1/4 0; 0 1 -1 8 -8 1/8 -1/8 0;
//          0 1 1 16 16 1/16 1/16 0; 0 1 -1 32 -32 1/32 -1/32 1]
struct F6 {
  static constexpr long M = 6, A = 8, P = 64, R = 3;
  template <class T> static void bt(const T* d, T* v) {
    v[0] = (d[0] - d[6]) + 5.25f * (d[4] - d[2]);
    v[7] = (d[7] - d[1]) + 5.25f * (d[3] - d[5]);
    const T t1 = (d[2] + d[6]) - 4.25f * d[4], t2 = (d[1] + d[5]) - 4.25f * d[3];
    v[1] = t1 + t2; v[2] = t1 - t2;
    const T t3 = (d[6] + 0.25f * d[2]) - 1.25f * d[4], t4 = 2.0f * ((d[5] + 0.25f * d[1]) - 1.25f * d[3]);
    v[3] = t3 + t4; v[4] = t3 - t4;
    const T t5 = (d[6] - 5.0f * d[4]) + 4.0f * d[2], t6 = 2.0f * ((d[1] + 0.25f * d[5]) - 1.25f * d[3]);
    v[5] = t5 + t6; v[6] = t5 - t6;
  }
  template <class T> static void g(const T* g, T* u) {
    const T e = g[0] + g[2], p = g[0] + 4.0f * g[2], q = 4.0f * g[0] + g[2], g1 = 2.0f * g[1];
    u[0] = g[0];
    u[1] = (-2.0f / 9.0f) * (e + g[1]); u[2] = (-2.0f / 9.0f) * (e - g[1]);
    u[3] = (1.0f / 90.0f) * (p + g1); u[4] = (1.0f / 90.0f) * (p - g1);
    u[5] = (8.0f / 45.0f) * (q + g1); u[6] = (8.0f / 45.0f) * (q - g1);
    u[7] = g[2];
  }
  template <class T> static void at(const T* m, T* y) {
    const T p1 = m[1] + m[2], n1 = m[1] - m[2], p2 = m[3] + m[4], n2 = m[3] - m[4], p3 = m[5] + m[6], n3 = m[5] - m[6];
    y[0] = (m[0] + p1) + (p2 + p3);
    y[1] = (n1 + 2.0f * n2) + 0.5f * n3;
    y[2] = (p1 + 4.0f * p2) + 0.25f * p3;
    y[3] = (n1 + 8.0f * n2) + 0.125f * n3;
    y[4] = (p1 + 16.0f * p2) + 0.0625f * p3;
    y[5] = ((n1 + 32.0f * n2) + 0.03125f * n3) + m[7];
  }
  template <class T> static void a(const T* y, T* u) {
    const T e1 = (y[0] + y[2]) + y[4], o1 = (y[1] + y[3]) + y[5];
    const T e2 = (y[0] + 4.0f * y[2]) + 16.0f * y[4], o2 = (2.0f * y[1] + 8.0f * y[3]) + 32.0f * y[5];
    const T e3 = (y[0] + 0.25f * y[2]) + 0.0625f * y[4], o3 = (0.5f * y[1] + 0.125f * y[3]) + 0.03125f * y[5];
    u[0] = y[0]; u[1] = e1 + o1; u[2] = e1 - o1; u[3] = e2 + o2; u[4] = e2 - o2; u[5] = e3 + o3; u[6] = e3 - o3; u[7] = y[5];
  }
  template <class T> static void b(const T* x, T* d) {
    const T s1 = x[1] + x[2], n1 = x[1] - x[2], s3 = x[3] + x[4], n3 = x[3] - x[4], s5 = x[5] + x[6], n5 = x[5] - x[6];
    d[0] = x[0];
    d[1] = ((n1 + 0.5f * n3) + 2.0f * n5) - x[7];
    d[2] = ((s1 + 0.25f * s3) + 4.0f * s5) - 5.25f * x[0];
    d[3] = (5.25f * x[7] - 4.25f * n1) - 2.5f * (n3 + n5);
    d[4] = 5.25f * x[0] - ((4.25f * s1 + 1.25f * s3) + 5.0f * s5);
    d[5] = ((n1 + 2.0f * n3) + 0.5f * n5) - 5.25f * x[7];
    d[6] = ((s1 + s3) + s5) - x[0];
    d[7] = x[7];
  }
  template <class T> static void gt(const T* m, T* k) {
    const T p1 = m[1] + m[2], n1 = m[1] - m[2], p2 = m[3] + m[4], n2 = m[3] - m[4], p3 = m[5] + m[6], n3 = m[5] - m[6];
    k[0] = ((m[0] - (2.0f / 9.0f) * p1) + (1.0f / 90.0f) * p2) + (32.0f / 45.0f) * p3;
    k[1] = ((1.0f / 45.0f) * n2 - (2.0f / 9.0f) * n1) + (16.0f / 45.0f) * n3;
    k[2] = (((2.0f / 45.0f) * p2 - (2.0f / 9.0f) * p1) + (8.0f / 45.0f) * p3) + m[7];
  }
};

// F(2,2) for 2x2 kernels: B^T = [1 -1 0; 0 1 0; 0 -1 1]  G = [1 0; 1 1; 0 1]  A^T = [1 1 0; 0 1 1]
struct F22 {
  static constexpr long M = 2, A = 3, P = 9, R = 2;
  template <class T> static void bt(const T* d, T* v) { v[0] = d[0] - d[1]; v[1] = d[1]; v[2] = d[2] - d[1]; }
  template <class T> static void g(const T* g, T* u) { u[0] = g[0]; u[1] = g[0] + g[1]; u[2] = g[1]; }
  template <class T> static void at(const T* m, T* y) { y[0] = m[0] + m[1]; y[1] = m[1] + m[2]; }
  template <class T> static void a(const T* y, T* u) { u[0] = y[0]; u[1] = y[0] + y[1]; u[2] = y[1]; }
  template <class T> static void b(const T* x, T* d) { d[0] = x[0]; d[1] = (x[1] - x[0]) - x[2]; d[2] = x[2]; }
  template <class T> static void gt(const T* m, T* k) { k[0] = m[0] + m[1]; k[1] = m[1] + m[2]; }
};

typedef float v4 __attribute__((vector_size(16)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v16 __attribute__((vector_size(64)));
// the widest vector of at most WG_VEC floats that divides n lanes (1: plain floats)
template <long N> constexpr long vecWidth() { return WG_VEC >= 16 && N % 16 == 0 ? 16 : WG_VEC >= 8 && N % 8 == 0 ? 8 : N % 4 == 0 ? 4 : 1; }
template <long VW> using Vec = std::conditional_t<VW == 16, v16, std::conditional_t<VW == 8, v8, std::conditional_t<VW == 4, v4, float>>>;
template <class V> inline V loadV(const float* p) { V v; std::memcpy(&v, p, sizeof v); return v; }
template <class V> inline void storeV(float* p, V v) { std::memcpy(p, &v, sizeof v); }

// a 2-D transform of N lanes: the 1-D transform f (IN -> OUT values) down each column, then along
// each row; entry (i, j) lane l of src at src[(i*IN + j)*ss + l], of dst at dst[(i*OUT + j)*ds + l].
// VW lanes per vector (the same operations per lane: the same bits)
template <long IN, long OUT, long N, class Fn>
inline void transform2d(const float* src, long ss, float* dst, long ds, Fn f) {
  constexpr long VW = vecWidth<N>();
  using V = Vec<VW>;
  V t[OUT * IN][N / VW];
  for (long j = 0; j < IN; ++j)
    for (long l = 0; l < N; l += VW) {
      V x[IN], y[OUT];
      for (long i = 0; i < IN; ++i) x[i] = loadV<V>(src + (i * IN + j) * ss + l);
      f(x, y);
      for (long i = 0; i < OUT; ++i) t[i * IN + j][l / VW] = y[i];
    }
  for (long i = 0; i < OUT; ++i)
    for (long l = 0; l < N; l += VW) {
      V x[IN], y[OUT];
      for (long k = 0; k < IN; ++k) x[k] = t[i * IN + k][l / VW];
      f(x, y);
      for (long k = 0; k < OUT; ++k) storeV<V>(dst + (i * OUT + k) * ds + l, y[k]);
    }
}

// the tile grid of a 3x3 stride-1 convolution: tile t = (n, th, tw) covers outputs M th.. M th+M-1, M tw.. M tw+M-1
template <class W>
struct Tiles {
  long th, tw, per, total, oh, ow;
  bool shiftH, shiftW;
  // shift (the forward pass): a last tile that would cross the map's edge moves back inside it,
  // overlapping its neighbour (whose outputs there it overwrites), where the map is a tile wide or more
  Tiles(long n, long oh_, long ow_, bool shift = false)
      : th((oh_ + W::M - 1) / W::M), tw((ow_ + W::M - 1) / W::M), per(th * tw), total(n * th * tw), oh(oh_), ow(ow_),
        shiftH(shift && oh_ >= W::M), shiftW(shift && ow_ >= W::M) {}
  long rowOf(long k) const { return shiftH ? std::min(W::M * k, oh - W::M) : W::M * k; }
  long colOf(long k) const { return shiftW ? std::min(W::M * k, ow - W::M) : W::M * k; }
  // the input extent the patches read (pad included)
  long spanH() const { return (shiftH ? oh : W::M * th) + W::R - 1; }
  long spanW() const { return (shiftW ? ow : W::M * tw) + W::R - 1; }
  // offset of tile t's patch from its channel plane's start
  long patchOffset(long imageStride, long w, long t) const {
    const long n = t / per, r = t % per;
    return n * imageStride + rowOf(r / tw) * w + colOf(r % tw);
  }
  // tile t's output: offset of its top-left in (N, O, OH, OW) and its rows and columns inside the map
  void outputOf(long t, long o, long& yoff, long& rows, long& cols) const {
    const long n = t / per, r = t % per, y0 = rowOf(r / tw), x0 = colOf(r % tw);
    yoff = n * o * oh * ow + y0 * ow + x0;
    rows = std::min(W::M, oh - y0); cols = std::min(W::M, ow - x0);
  }
};

// an input whose every tile's patch lies inside: x itself when it already is (pad 0, whole tiles),
// else a zero-bordered copy in `scratch` (hp x wp planes, the input at (pad, pad))
struct Padded { const float* x; long hp, wp; };
template <class W>
Padded padInput(Arena& scratch, const float* x, long planes, long h, long w, long pad, const Tiles<W>& tl) {
  const long hp = tl.spanH(), wp = tl.spanW();
  if (pad == 0 && hp == h && wp == w) return {x, h, w};
  float* dst = scratch.get(static_cast<size_t>(planes * hp * wp));
  if (!dst) throw std::bad_alloc();
  std::memset(dst, 0, sizeof(float) * static_cast<size_t>(planes * hp * wp));
  const long rows = std::min(h, hp - pad), cols = std::min(w, wp - pad);
  for (long q = 0; q < planes; ++q)
    for (long i = 0; i < rows; ++i)
      std::memcpy(dst + (q * hp + pad + i) * wp + pad, x + (q * h + i) * w, sizeof(float) * static_cast<size_t>(cols));
  return {dst, hp, wp};
}

alignas(16) constexpr float kZeros[4] = {0.0f, 0.0f, 0.0f, 0.0f};

// dst[k * ds + l] = p[l][k] for k < 4, l < G (p[l] nullptr: zeros): the 4x4 transpose of _MM_TRANSPOSE4_PS
// on every 128-bit block, block b holding lanes 4b..4b+3
template <long G>
inline void transposeRows4(const float* const p[G], float* dst, long ds) {
  const auto at = [&](long l) { return p[l] ? p[l] : kZeros; };
  if constexpr (G == 4) {
    __m128 r0 = _mm_loadu_ps(at(0)), r1 = _mm_loadu_ps(at(1)), r2 = _mm_loadu_ps(at(2)), r3 = _mm_loadu_ps(at(3));
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(dst, r0); _mm_storeu_ps(dst + ds, r1); _mm_storeu_ps(dst + 2 * ds, r2); _mm_storeu_ps(dst + 3 * ds, r3);
  }
#if WG_VEC >= 8
  if constexpr (G == 8) {
    __m256 r[4];
    for (long k = 0; k < 4; ++k) r[k] = _mm256_loadu2_m128(at(4 + k), at(k));
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    _mm256_storeu_ps(dst, _mm256_shuffle_ps(t0, t2, 0x44));
    _mm256_storeu_ps(dst + ds, _mm256_shuffle_ps(t0, t2, 0xEE));
    _mm256_storeu_ps(dst + 2 * ds, _mm256_shuffle_ps(t1, t3, 0x44));
    _mm256_storeu_ps(dst + 3 * ds, _mm256_shuffle_ps(t1, t3, 0xEE));
  }
#endif
#if WG_VEC >= 16
  if constexpr (G == 16) {
    __m512 r[4];
    for (long k = 0; k < 4; ++k) {
      r[k] = _mm512_castps128_ps512(_mm_loadu_ps(at(k)));
      r[k] = _mm512_insertf32x4(r[k], _mm_loadu_ps(at(4 + k)), 1);
      r[k] = _mm512_insertf32x4(r[k], _mm_loadu_ps(at(8 + k)), 2);
      r[k] = _mm512_insertf32x4(r[k], _mm_loadu_ps(at(12 + k)), 3);
    }
    // _mm512_unpacklo/hi_ps, spelled as shuffles (GCC 12's intrinsics warn about their undefined pass-through)
#define WG_UNPACKLO(a, b) __builtin_shufflevector(a, b, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29)
#define WG_UNPACKHI(a, b) __builtin_shufflevector(a, b, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31)
    const __m512 t0 = WG_UNPACKLO(r[0], r[1]), t1 = WG_UNPACKHI(r[0], r[1]), t2 = WG_UNPACKLO(r[2], r[3]), t3 = WG_UNPACKHI(r[2], r[3]);
#undef WG_UNPACKLO
#undef WG_UNPACKHI
    _mm512_storeu_ps(dst, _mm512_shuffle_ps(t0, t2, 0x44));
    _mm512_storeu_ps(dst + ds, _mm512_shuffle_ps(t0, t2, 0xEE));
    _mm512_storeu_ps(dst + 2 * ds, _mm512_shuffle_ps(t1, t3, 0x44));
    _mm512_storeu_ps(dst + 3 * ds, _mm512_shuffle_ps(t1, t3, 0xEE));
  }
#endif
}

// d[A*A][L]: lane l's A x A patch at src[l] (rows w apart; nullptr: zeros), four lanes at a time: each
// patch row read as 4-float loads (the last one ending at column A-1, overlapping the one before) and
// a 4x4 transpose turns four lanes' rows into positions (wider gathers measured slower here)
template <long A>
void gatherPatches(const float* const src[L], long w, float d[A * A][L]) {
  if constexpr (A < 4) {  // a 4-float row load would read past the patch
    if (w == A) {  // the patch is A*A contiguous floats (a map of its size): 4-float blocks of it, the last one ending at its end
      for (long l0 = 0; l0 < L; l0 += 4)
        for (long j0 = 0; j0 < A * A; j0 += 4) {
          const long j = std::min(j0, A * A - 4);
          const float* p[4] = {src[l0] ? src[l0] + j : nullptr, src[l0 + 1] ? src[l0 + 1] + j : nullptr,
                               src[l0 + 2] ? src[l0 + 2] + j : nullptr, src[l0 + 3] ? src[l0 + 3] + j : nullptr};
          transposeRows4<4>(p, d[j] + l0, L);
        }
      return;
    }
    for (long l = 0; l < L; ++l)
      for (long i = 0; i < A; ++i)
        for (long j = 0; j < A; ++j) d[i * A + j][l] = src[l] ? src[l][i * w + j] : 0.0f;
    return;
  }
  const __m128 zero = _mm_setzero_ps();
  for (long l0 = 0; l0 < L; l0 += 4) {
    for (long i = 0; i < A; ++i) {
      for (long j0 = 0; j0 < A; j0 += 4) {
        const long j = std::min(j0, A - 4);
        __m128 r0 = src[l0] ? _mm_loadu_ps(src[l0] + i * w + j) : zero;
        __m128 r1 = src[l0 + 1] ? _mm_loadu_ps(src[l0 + 1] + i * w + j) : zero;
        __m128 r2 = src[l0 + 2] ? _mm_loadu_ps(src[l0 + 2] + i * w + j) : zero;
        __m128 r3 = src[l0 + 3] ? _mm_loadu_ps(src[l0 + 3] + i * w + j) : zero;
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        _mm_storeu_ps(d[i * A + j] + l0, r0);
        _mm_storeu_ps(d[i * A + j + 1] + l0, r1);
        _mm_storeu_ps(d[i * A + j + 2] + l0, r2);
        _mm_storeu_ps(d[i * A + j + 3] + l0, r3);
      }
    }
  }
}

// transformed kernels G g G^T packed per position for the micro-kernel (Opad x c, MR-row panels):
// g(oo, cc) = w[oo*so + cc*sc + i*si + j*sj]; 16 kernels (lanes) transformed at a time
template <class W>
void packKernels(Ctx& ctx, const float* w, long o, long c, long so, long sc, long si, long sj, float* U) {
  const long Opad = roundUp(o, MR), Q = o * c, Qpad = skew(roundUp(Q, L));
  float* tmp = ctx.aux.get(static_cast<size_t>(W::P * Qpad));
  if (!tmp) throw std::bad_alloc();
  constexpr long R = W::R;
  alignas(64) float g[R * R][L];
  long oo = 0, cc = 0;  // kernel q = oo * c + cc
  for (long q0 = 0; q0 < Q; q0 += L) {
    for (long l = 0; l < L; ++l) {
      const float* k = q0 + l < Q ? w + oo * so + cc * sc : nullptr;
      for (long i = 0; i < R; ++i)
        for (long j = 0; j < R; ++j) g[i * R + j][l] = k ? k[i * si + j * sj] : 0.0f;
      if (++cc == c) { cc = 0; ++oo; }
    }
    transform2d<R, W::A, L>(g[0], L, tmp + q0, Qpad, [](const auto* x, auto* y) { W::g(x, y); });
  }
  for (long p = 0; p < W::P; ++p) packA(tmp + p * Qpad, c, 1, o, c, U + p * Opad * c);
}

// g[M*M][N] = the M x M output-gradient tiles at q[l] (row stride w; nullptr: zeros), zero past rows[l] / cols[l]
// (tiles of side 4+ wholly inside: each tile row as 4-float loads (the last one ending at column M-1),
// transposed into positions)
template <class W, long N>
inline void gatherOutputTiles(const float* const q[N], long w, const long rows[N], const long cols[N], float g[W::M * W::M][N]) {
  constexpr long M = W::M;
  long l0 = 0;
  if constexpr (M == 2 && N % 4 == 0) {
    // 2x2 tiles of a 2-wide map: 4 contiguous floats, four lanes a transpose
    for (; w == 2 && l0 < N; l0 += 4) {
      bool whole = true;
      for (long l = l0; l < l0 + 4; ++l) whole = whole && q[l] && rows[l] == M && cols[l] == M;
      if (!whole) break;
      transposeRows4<4>(q + l0, g[0] + l0, N);
    }
  }
  if constexpr (M >= 4 && N % 4 == 0) {
    // lanes gathered per transpose: G lanes' 4-float rows become 4 vectors of G lanes (transform2d's
    // vector width, so that its vector loads read what one store wrote)
    constexpr long G = vecWidth<N>();
    for (; l0 < N; l0 += G) {
      bool whole = true;
      for (long l = l0; l < l0 + G; ++l) whole = whole && q[l] && rows[l] == M && cols[l] == M;
      if (!whole) break;
      for (long i = 0; i < M; ++i)
        for (long j0 = 0; j0 < M; j0 += 4) {
          const long j = std::min(j0, M - 4);
          const float* p[G];
          for (long l = 0; l < G; ++l) p[l] = q[l0 + l] + i * w + j;
          transposeRows4<G>(p, g[i * M + j] + l0, N);
        }
    }
  }
  for (long l = l0; l < N; ++l)
    for (long i = 0; i < M; ++i)
      for (long j = 0; j < M; ++j) g[i * M + j][l] = q[l] && i < rows[l] && j < cols[l] ? q[l][i * w + j] : 0.0f;
}

// the per-position GEMMs of forward and backward-input, M_p = U_p V_p for p < P: U_p (rows x k, MR-row
// panels) uStride floats apart; V_p's panels vStride apart, the second group of L tiles vGroup further
// (pair: both groups hold tiles, one 32-column call); M_p's rows LW apart, mStride apart
inline void positionGemms(Ukr ukr, long P, long rows, long k, const float* U, long uStride, const float* V, long vStride, long vGroup,
                          float* Mp, long mStride, bool pair) {
  constexpr long LW = kPair * L;
  for (long p = 0; p < P; ++p)
    for (long r0 = 0; r0 < rows; r0 += MR) {
      const float* u = U + p * uStride + r0 * k;
      float* m = Mp + p * mStride + r0 * LW;
      if (kPair == 2 && pair) ukrPair(k, u, V + p * vStride, V + vGroup + p * vStride, m, LW, 0.0f, std::min(MR, rows - r0), LW);
      else ukr(k, u, V + p * vStride, m, LW, 0.0f, std::min(MR, rows - r0), L);
    }
}

// the core of forward and backward-input: out[n, o, :, :] (oh x ow) = sum_c conv3x3(x[n, c], kernel), pad `pad`;
// U holds the transformed kernels, each packed for the micro-kernel (Opad x c, MR-row panels)
template <class W>
void winogradCore(Ctx& ctx, float* out, const float* x, const float* U, const float* bias,
                  long n, long c, long h, long w, long o, long pad, long oh, long ow) {
  constexpr long M = W::M, A = W::A, P = W::P;
  const Tiles<W> tl(n, oh, ow, true);
  constexpr long LW = kPair * L;  // tiles per step: kPair groups of L, one GEMM
  const long Opad = roundUp(o, MR), OP = oh * ow;
  const long vStride = skew(c * L), vGroup = P * vStride, mStride = skew(Opad * LW);
  float* Vp = ctx.packB.get(static_cast<size_t>(kPair * vGroup));
  float* Mp = ctx.tmpC.get(static_cast<size_t>(P * mStride));
  if (!Vp || !Mp) throw std::bad_alloc();
  const Ukr ukr = ctx.ukr;
  const Padded px = padInput<W>(ctx.aux, x, n * c, h, w, pad, tl);
  const long PHW = px.hp * px.wp;
  alignas(64) float d[P][L];
  for (long s0 = 0; s0 < tl.total; s0 += LW) {
    const long ns = std::min(LW, tl.total - s0);
    for (long g = 0; g * L < ns; ++g) {
      const long t0 = s0 + g * L, nt = std::min(L, tl.total - t0);
      float* V = Vp + g * vGroup;
      long off[L];
      for (long l = 0; l < L; ++l) off[l] = l < nt ? tl.patchOffset(c * PHW, px.wp, t0 + l) : -1;
      for (long ci = 0; ci < c; ++ci) {
        const float* plane = px.x + ci * PHW;
        const float* src[L];
        for (long l = 0; l < L; ++l) src[l] = off[l] < 0 ? nullptr : plane + off[l];
        gatherPatches<A>(src, px.wp, d);
        transform2d<A, A, L>(d[0], L, V + ci * L, vStride, [](const auto* x, auto* y) { W::bt(x, y); });
      }
    }
    positionGemms(ukr, P, o, c, U, Opad * c, Vp, vStride, vGroup, Mp, mStride, ns > L);
    for (long g = 0; g * L < ns; ++g) {
      const long t0 = s0 + g * L, nt = std::min(L, tl.total - t0);
      // Y = A^T M A (+ bias), written where the tile lies inside the output
      long yoff[L], rows[L], cols[L];
      bool all = nt == L;
      for (long l = 0; l < nt; ++l) {
        tl.outputOf(t0 + l, o, yoff[l], rows[l], cols[l]);
        all = all && rows[l] == M && cols[l] == M;
      }
      for (long oi = 0; oi < o; ++oi) {
        alignas(64) float y[M * M][L];
        transform2d<A, M, L>(Mp + oi * LW + g * L, mStride, y[0], L, [](const auto* x, auto* y) { W::at(x, y); });
        const float b = bias ? bias[oi] : 0.0f;
        float* plane = out + oi * OP;
        const __m128 bv = _mm_set1_ps(b);
        if (all && M == 2) {
          // four lanes' 2x2 tiles transposed out of y, each tile row one 2-float store
          for (long l = 0; l < L; l += 4) {
            __m128 r0 = _mm_add_ps(_mm_loadu_ps(y[0] + l), bv), r1 = _mm_add_ps(_mm_loadu_ps(y[1] + l), bv);
            __m128 r2 = _mm_add_ps(_mm_loadu_ps(y[2] + l), bv), r3 = _mm_add_ps(_mm_loadu_ps(y[3] + l), bv);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            const __m128* lanes[4] = {&r0, &r1, &r2, &r3};
            for (int u = 0; u < 4; ++u) {
              float* dst = plane + yoff[l + u];
              _mm_storel_pi(reinterpret_cast<__m64*>(dst), *lanes[u]);
              _mm_storeh_pi(reinterpret_cast<__m64*>(dst + ow), *lanes[u]);
            }
          }
        } else if (all && M >= 4) {
          // per tile row: four lanes' rows transposed out of y, as 4-float stores (the last one ending at
          // column M-1). Rows and blocks last to first: where shifted tiles overlap, the later tile's
          // stores come last whatever the lanes' grouping, so an output never depends on its image's place in the batch
          for (long l = 0; l < L; l += 4)
            for (long i = M - 1; i >= 0; --i)
              for (long j0 = (M - 1) / 4 * 4; j0 >= 0; j0 -= 4) {
                const long j = std::min(j0, M - 4), at = i * ow + j;
                __m128 r0 = _mm_add_ps(_mm_loadu_ps(y[i * M + j] + l), bv), r1 = _mm_add_ps(_mm_loadu_ps(y[i * M + j + 1] + l), bv);
                __m128 r2 = _mm_add_ps(_mm_loadu_ps(y[i * M + j + 2] + l), bv), r3 = _mm_add_ps(_mm_loadu_ps(y[i * M + j + 3] + l), bv);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                _mm_storeu_ps(plane + yoff[l] + at, r0);
                _mm_storeu_ps(plane + yoff[l + 1] + at, r1);
                _mm_storeu_ps(plane + yoff[l + 2] + at, r2);
                _mm_storeu_ps(plane + yoff[l + 3] + at, r3);
              }
        } else {
          for (long l = 0; l < nt; ++l) {
            float* dst = plane + yoff[l];
            for (long i = 0; i < rows[l]; ++i)
              for (long j = 0; j < cols[l]; ++j) dst[i * ow + j] = y[i * M + j][l] + b;
          }
        }
      }
    }
  }
}

template <class W>
void forward(Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d) {
  float* U = ctx.packA.get(static_cast<size_t>(W::P * roundUp(d.o, MR) * d.c));
  if (!U) throw std::bad_alloc();
  packKernels<W>(ctx, w, d.o, d.c, d.c * W::R * W::R, W::R * W::R, W::R, 1, U);
  winogradCore<W>(ctx, out, x, U, bias, d.n, d.c, d.h, d.w, d.o, d.pad, d.oh, d.ow);
}

// the adjoint of the forward pass over the same tiles (no padded tiles): per tile, dM = A dY A^T;
// dV_c = sum_o U_oc . dM_o (one GEMM per position); the patch gradient B dV B^T is added into dx, tile by tile
template <class W>
void backwardInput(Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d) {
  constexpr long M = W::M, A = W::A, P = W::P;
  const long C = d.c, O = d.o, Cpad = roundUp(C, MR), OP = d.oh * d.ow;
  const Tiles<W> tl(d.n, d.oh, d.ow);
  float* U = ctx.packA.get(static_cast<size_t>(P * Cpad * O));
  constexpr long LW = kPair * L;  // tiles per step: kPair groups of L, one GEMM
  const long dStride = skew(O * L), dGroup = P * dStride, mStride = skew(Cpad * LW);
  float* Dp = ctx.packB.get(static_cast<size_t>(kPair * dGroup));
  float* Mp = ctx.tmpC.get(static_cast<size_t>(P * mStride));
  if (!U || !Dp || !Mp) throw std::bad_alloc();
  packKernels<W>(ctx, w, C, O, W::R * W::R, C * W::R * W::R, W::R, 1, U);  // rows c, reduction over o
  const long hp = tl.spanH(), wp = tl.spanW(), PHW = hp * wp;
  const bool inPlace = d.pad == 0 && hp == d.h && wp == d.w;
  float* acc = inPlace ? dx : ctx.aux.get(static_cast<size_t>(d.n * C * PHW));
  if (!acc) throw std::bad_alloc();
  std::memset(acc, 0, sizeof(float) * static_cast<size_t>(d.n * C * PHW));
  const Ukr ukr = ctx.ukr;
  for (long s0 = 0; s0 < tl.total; s0 += LW) {
    const long ns = std::min(LW, tl.total - s0);
    long offs[kPair][L];
    for (long g = 0; g * L < ns; ++g) {
      const long t0 = s0 + g * L, nt = std::min(L, tl.total - t0);
      long* off = offs[g];
      long yoff[L], rows[L], cols[L];
      for (long l = 0; l < L; ++l) {
        if (l < nt) { off[l] = tl.patchOffset(C * PHW, wp, t0 + l); tl.outputOf(t0 + l, O, yoff[l], rows[l], cols[l]); }
        else { off[l] = -1; yoff[l] = 0; rows[l] = cols[l] = 0; }
      }
      for (long oi = 0; oi < O; ++oi) {
        const float* plane = dy + oi * OP;
        const float* q[L];
        for (long l = 0; l < L; ++l) q[l] = l < nt ? plane + yoff[l] : nullptr;
        alignas(64) float gy[M * M][L];
        gatherOutputTiles<W, L>(q, d.ow, rows, cols, gy);
        transform2d<M, A, L>(gy[0], L, Dp + g * dGroup + oi * L, dStride, [](const auto* x, auto* y) { W::a(x, y); });
      }
    }
    positionGemms(ukr, P, C, O, U, Cpad * O, Dp, dStride, dGroup, Mp, mStride, ns > L);
    for (long g = 0; g * L < ns; ++g) {
      const long nt = std::min(L, tl.total - (s0 + g * L));
      const long* off = offs[g];
      for (long ci = 0; ci < C; ++ci) {
        alignas(64) float m[P][L];
        transform2d<A, A, L>(Mp + ci * LW + g * L, mStride, m[0], L, [](const auto* x, auto* y) { W::b(x, y); });
        float* plane = acc + ci * PHW;
        // lane by lane (neighbouring patches overlap: each element's sum in lane order); a lane's
        // patch rows transposed out of m four lanes at a time, each 4 columns added as one vector
        constexpr long A4 = A / 4 * 4;
        long l = 0;
        for (; A >= 4 && l + 4 <= nt; l += 4) {
          __m128 rows4[A][A / 4 > 0 ? A / 4 : 1][4];
          for (long i = 0; i < A; ++i)
            for (long j = 0; j < A4; j += 4) {
              __m128 r0 = _mm_loadu_ps(m[i * A + j] + l), r1 = _mm_loadu_ps(m[i * A + j + 1] + l);
              __m128 r2 = _mm_loadu_ps(m[i * A + j + 2] + l), r3 = _mm_loadu_ps(m[i * A + j + 3] + l);
              _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
              rows4[i][j / 4][0] = r0; rows4[i][j / 4][1] = r1; rows4[i][j / 4][2] = r2; rows4[i][j / 4][3] = r3;
            }
          for (long u = 0; u < 4; ++u) {
            float* dst = plane + off[l + u];
            for (long i = 0; i < A; ++i) {
              float* row = dst + i * wp;
              for (long j = 0; j < A4; j += 4) _mm_storeu_ps(row + j, _mm_add_ps(_mm_loadu_ps(row + j), rows4[i][j / 4][u]));
              for (long j = A4; j < A; ++j) row[j] += m[i * A + j][l + u];
            }
          }
        }
        for (; l < nt; ++l) {
          float* dst = plane + off[l];
          for (long i = 0; i < A; ++i)
            for (long j = 0; j < A; ++j) dst[i * wp + j] += m[i * A + j][l];
        }
      }
    }
  }
  if (!inPlace) {
    for (long q = 0; q < d.n * C; ++q)
      for (long i = 0; i < d.h; ++i) {
        float* dst = dx + (q * d.h + i) * d.w;
        const long si = i + d.pad;
        if (si >= hp) { std::memset(dst, 0, sizeof(float) * static_cast<size_t>(d.w)); continue; }
        for (long j = 0; j < d.w; ++j) { const long sj = j + d.pad; dst[j] = sj < wp ? acc[q * PHW + si * wp + sj] : 0.0f; }
      }
  }
}

// dw[o, c] = G^T (sum over tiles of (A dY A^T) . (B^T d B)) G; the per-position sums are GEMMs over the tiles
template <class W>
void backwardWeight(Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d) {
  constexpr long M = W::M, A = W::A, P = W::P;
  const long O = d.o, C = d.c, Opad = roundUp(O, MR), Cpad = roundUp(C, L);
  const Tiles<W> tl(d.n, d.oh, d.ow);
  long kc = 98304 / (16 * (Opad + Cpad));  // tiles per block: the 16 positions' panels of F2 in 384 KiB
  kc = std::max(L, std::min(KC, kc / L * L));
  const long aStride = skew(Opad * kc), bStride = skew(Cpad * kc);
  float* Ap = ctx.packA.get(static_cast<size_t>(P * aStride));
  float* Bp = ctx.packB.get(static_cast<size_t>(P * bStride));
  const long mStride = skew(O * Cpad);
  float* Mt = ctx.tmpC.get(static_cast<size_t>(P * mStride));
  if (!Ap || !Bp || !Mt) throw std::bad_alloc();
  const Ukr ukr = ctx.ukr;
  const Padded px = padInput<W>(ctx.aux, x, d.n * C, d.h, d.w, d.pad, tl);
  const long PHW = px.hp * px.wp;
  alignas(64) float v[P][L];
  long yoff[KC], rows[KC], cols[KC];
  for (long t0 = 0; t0 < tl.total; t0 += kc) {
    const long tc = std::min(kc, tl.total - t0);
    // B_p(t, c) = (B^T d B)_p of tile t, channel c: NR-column panels [t][c], transformed 16 channels
    // (lanes) at a time so that each tile's row of a panel is one contiguous store
    for (long c0 = 0; c0 < Cpad; c0 += L) {
      float* panel = Bp + c0 * tc;
      for (long t = 0; t < tc; ++t) {
        const long off = tl.patchOffset(C * PHW, px.wp, t0 + t);
        const float* src[L];
        for (long l = 0; l < L; ++l) src[l] = c0 + l >= C ? nullptr : px.x + (c0 + l) * PHW + off;
        gatherPatches<A>(src, px.wp, v);
        transform2d<A, A, L>(v[0], L, panel + t * L, bStride, [](const auto* x, auto* y) { W::bt(x, y); });
      }
    }
    // A_p(o, t) = (A dY A^T)_p of tile t, channel o: MR-row panels [t][r]
    for (long t = 0; t < tc; ++t) tl.outputOf(t0 + t, O, yoff[t], rows[t], cols[t]);
    for (long o0 = 0; o0 < Opad; o0 += MR) {
      float* panel = Ap + o0 * tc;
      // 8 lanes for whole vectors: lanes 6 and 7 spill into the next tile's (or past the panel, into
      // the skew), which is written after them
      constexpr long N8 = 8;
      static_assert(MR <= N8, "one vector pair per panel row");
      for (long t = 0; t < tc; ++t) {
        const float* q[N8];
        long rr[N8], cc[N8];
        // the lanes past the panel or past O read channel o0 (their values are never used: each lane is
        // its own; rows past O are not stored by the micro-kernel) so that whole tiles take the vector gather
        for (long r = 0; r < N8; ++r) { q[r] = dy + (r < MR && o0 + r < O ? o0 + r : o0) * d.oh * d.ow + yoff[t]; rr[r] = rows[t]; cc[r] = cols[t]; }
        alignas(32) float g[M * M][N8];
        gatherOutputTiles<W, N8>(q, d.ow, rr, cc, g);
        transform2d<M, A, N8>(g[0], N8, panel + t * MR, aStride, [](const auto* x, auto* y) { W::a(x, y); });
      }
    }
    const float beta = t0 == 0 ? 0.0f : 1.0f;
    for (long p = 0; p < P; ++p)
      for (long o0 = 0; o0 < O; o0 += MR)
        for (long c0 = 0; c0 < C; c0 += kPair * L) {
          const float* a = Ap + p * aStride + o0 * tc;
          const float* b = Bp + p * bStride + c0 * tc;
          float* m = Mt + p * mStride + o0 * Cpad + c0;
          const long mr = std::min(MR, O - o0), nr = std::min(kPair * L, C - c0);
          if (kPair == 2 && nr > L) ukrPair(tc, a, b, b + L * tc, m, Cpad, beta, mr, nr);
          else ukr(tc, a, b, m, Cpad, beta, mr, std::min(L, nr));
        }
  }
  // dw = G^T M G per (o, c), 16 input channels (lanes) at a time (the lanes past C are not stored)
  constexpr long R = W::R;
  for (long oi = 0; oi < O; ++oi)
    for (long c0 = 0; c0 < C; c0 += L) {
      alignas(64) float g[R * R][L];
      transform2d<A, R, L>(Mt + oi * Cpad + c0, mStride, g[0], L, [](const auto* x, auto* y) { W::gt(x, y); });
      const long nc = std::min(L, C - c0);
      for (long l = 0; l < nc; ++l) {
        float* k = dw + (oi * C + c0 + l) * R * R;
        for (long r = 0; r < R * R; ++r) k[r] = g[r][l];
      }
    }
}


// the entry points, one per pass, for the transform named by kind (winograd.cc's Kind)
template <class Fn>
void withKind(Kind k, Fn f) {
  switch (k) {
    case Kind::F22: f(F22()); break;
    case Kind::F2: f(F2()); break;
    case Kind::F3: f(F3()); break;
    case Kind::F4: f(F4()); break;
    case Kind::F5: f(F5()); break;
    case Kind::F6: f(F6()); break;
  }
}
void forwardOf(Kind k, Ctx& ctx, float* out, const float* x, const float* w, const float* bias, const ConvDims& d) {
  withKind(k, [&](auto t) { forward<decltype(t)>(ctx, out, x, w, bias, d); });
}
void backwardInputOf(Kind k, Ctx& ctx, float* dx, const float* dy, const float* w, const ConvDims& d) {
  withKind(k, [&](auto t) { backwardInput<decltype(t)>(ctx, dx, dy, w, d); });
}
void backwardWeightOf(Kind k, Ctx& ctx, float* dw, const float* dy, const float* x, const ConvDims& d) {
  withKind(k, [&](auto t) { backwardWeight<decltype(t)>(ctx, dw, dy, x, d); });
}
