/* A proxy with LULESH's shape (our own code, simplified physics): explicit Lagrangian hydrodynamics of a Sedov
 * blast on a cube of edge^3 hexahedral elements, with symmetry planes at x=0, y=0, z=0. Every time step is a
 * sequence of short OpenMP parallel for loops over nodes or elements (forces, accelerations, boundary
 * conditions, velocities, positions, element kinematics, artificial viscosity, energy, equation of state) and
 * two min reductions for the next time step, as in LULESH.
 * Simplifications: an element's volume is that of the box spanned by its face centres (dx * dy * dz), and
 * the pressure force on a node is the exact gradient of that volume (without hourglass damping total energy
 * stays within 1% over 200 steps); hourglass modes get a viscous damping force as in LULESH's FB hourglass
 * control, which dissipates kinetic energy (the drift printed, about -30% over 200 steps).
 * Determinism: every loop writes its own entries (nodes gather element corner forces in a fixed order), the
 * reductions are min (exact in any order), and only +, -, *, /, sqrt and fabs are used (correctly rounded
 * everywhere; no FMA on either target at -O3), so native and wasm builds agree to the last bit on any thread
 * count. Prints "edge=... threads=... steps=... seconds=... us_per_step=... energy=... checksum=...".
 * Usage: omp_lulesh_proxy [edge=30] [steps=200] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#else /* serial build (no -fopenmp): for comparing compiler flags without an OpenMP runtime */
static int omp_get_max_threads(void) { return 1; }
#endif

/* Material and numerical constants (LULESH's defaults where it has one). */
static const double gamma_gas = 5.0 / 3.0; /* p = (gamma - 1) rho e */
static const double e_init = 3.948746e+7;  /* specific energy deposited in the element at the origin */
static const double e_min = 0.0, p_min = 0.0, ss_min2 = 1e-12;
static const double u_cut = 1e-7, v_cut = 1e-10;
static const double qlc = 0.5, qqc = 2.0 / 3.0, qqc2 = 64.0 * (2.0 / 3.0) * (2.0 / 3.0);
static const double monoq_mult = 2.0, monoq_max_slope = 1.0;
static const double hourglass = 3.0;
static const double dvov_max = 0.1, dt_max = 1e-2, dt_growth = 1.2;

static int ne, nn;          /* elements and nodes per edge */
static int n_elem, n_node;
/* Nodes: position, velocity, acceleration, force, mass. */
static double *x, *y, *z, *xd, *yd, *zd, *xdd, *ydd, *zdd, *fx, *fy, *fz, *nmass;
/* Elements: 8 corner node indices, 6 face neighbours, and fields. */
static int *corner, *lxim, *lxip, *letam, *letap, *lzetam, *lzetap;
static double *e, *p, *q, *ql, *qq, *v, *vnew, *delv, *vdov, *vol0, *emass, *arealg, *ss, *sigma;
static double *dxe, *dye, *dze, *delv_xi, *delv_eta, *delv_zeta, *e_old, *p_old, *q_old, *p_half;
/* Forces per element corner (8 per element), gathered by the nodes. */
static double *cfx, *cfy, *cfz;

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *zeroed(size_t n, size_t size) {
  void *a = calloc(n, size);
  if (!a) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  return a;
}

static double *field(int n) { return zeroed((size_t)n, sizeof(double)); }
static int *index_field(int n) { return zeroed((size_t)n, sizeof(int)); }

static int node_id(int i, int j, int k) { return (k * nn + j) * nn + i; }
static int elem_id(int i, int j, int k) { return (k * ne + j) * ne + i; }

/* Corner c = a + 2b + 4c' of an element sits at (+a, +b, +c') from its lowest node; sign_x[c] = 2a - 1 etc. */
static const double sx[8] = {-1, 1, -1, 1, -1, 1, -1, 1};
static const double sy[8] = {-1, -1, 1, 1, -1, -1, 1, 1};
static const double sz[8] = {-1, -1, -1, -1, 1, 1, 1, 1};

/* ---- set-up ---- */

static void allocate(void) {
  n_elem = ne * ne * ne;
  n_node = nn * nn * nn;
  double **nodal[] = {&x, &y, &z, &xd, &yd, &zd, &xdd, &ydd, &zdd, &fx, &fy, &fz, &nmass};
  for (unsigned i = 0; i < sizeof nodal / sizeof *nodal; i++) *nodal[i] = field(n_node);
  double **elemental[] = {&e,   &p,     &q,       &ql,       &qq,        &v,     &vnew,  &delv,  &vdov,
                          &vol0, &emass, &arealg, &ss,       &sigma,     &dxe,   &dye,   &dze,   &delv_xi,
                          &delv_eta, &delv_zeta, &e_old, &p_old, &q_old, &p_half};
  for (unsigned i = 0; i < sizeof elemental / sizeof *elemental; i++) *elemental[i] = field(n_elem);
  cfx = field(8 * n_elem);
  cfy = field(8 * n_elem);
  cfz = field(8 * n_elem);
  corner = index_field(8 * n_elem);
  int **neighbours[] = {&lxim, &lxip, &letam, &letap, &lzetam, &lzetap};
  for (unsigned i = 0; i < 6; i++) *neighbours[i] = index_field(n_elem);
}

/* A cube of edge 1.125 at rest, density 1, energy only in the element at the origin. */
static void initialise(void) {
  const double h = 1.125 / ne;
  for (int k = 0; k < nn; k++)
    for (int j = 0; j < nn; j++)
      for (int i = 0; i < nn; i++) {
        int n = node_id(i, j, k);
        x[n] = i * h, y[n] = j * h, z[n] = k * h;
      }
  for (int k = 0; k < ne; k++)
    for (int j = 0; j < ne; j++)
      for (int i = 0; i < ne; i++) {
        int el = elem_id(i, j, k);
        for (int c = 0; c < 8; c++) corner[8 * el + c] = node_id(i + (c & 1), j + (c >> 1 & 1), k + (c >> 2));
        /* Symmetry planes mirror an element onto itself; the free faces have no neighbour either. */
        lxim[el] = i > 0 ? el - 1 : el, lxip[el] = i < ne - 1 ? el + 1 : el;
        letam[el] = j > 0 ? el - ne : el, letap[el] = j < ne - 1 ? el + ne : el;
        lzetam[el] = k > 0 ? el - ne * ne : el, lzetap[el] = k < ne - 1 ? el + ne * ne : el;
        vol0[el] = h * h * h;
        emass[el] = vol0[el];
        v[el] = 1.0;
        arealg[el] = h;
        for (int c = 0; c < 8; c++) nmass[corner[8 * el + c]] += emass[el] / 8;
      }
  e[0] = e_init;
  p[0] = (gamma_gas - 1) * e[0];
  ss[0] = sqrt(gamma_gas * p[0]);
}

/* ---- one time step: the loops ---- */

static void stress(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) sigma[el] = -(p[el] + q[el]);
}

/* Extents of the box spanned by an element's face centres, from the current node positions. */
static void box(int el, double *dx, double *dy, double *dz) {
  const int *c = corner + 8 * el;
  double ax = 0, ay = 0, az = 0;
  for (int k = 0; k < 8; k++) ax += sx[k] * x[c[k]], ay += sy[k] * y[c[k]], az += sz[k] * z[c[k]];
  *dx = 0.25 * ax, *dy = 0.25 * ay, *dz = 0.25 * az;
}

/* Pressure force: -sigma times the gradient of the element volume dx*dy*dz at each corner. */
static void volume_force(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) {
    double dx, dy, dz;
    box(el, &dx, &dy, &dz);
    double s = -0.25 * sigma[el];
    for (int c = 0; c < 8; c++) {
      cfx[8 * el + c] = s * sx[c] * dy * dz;
      cfy[8 * el + c] = s * sy[c] * dx * dz;
      cfz[8 * el + c] = s * sz[c] * dx * dy;
    }
  }
}

/* Hourglass control: damp the four non-linear velocity modes (the +-1 patterns s_a s_b, s_b s_c, s_a s_c,
 * s_a s_b s_c over the corners), which the volume does not see. */
static void hourglass_force(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) {
    const int *c = corner + 8 * el;
    double coef = -0.01 * hourglass * ss[el] * emass[el] / arealg[el];
    double mode[4][8];
    for (int k = 0; k < 8; k++) {
      mode[0][k] = sx[k] * sy[k], mode[1][k] = sy[k] * sz[k], mode[2][k] = sx[k] * sz[k];
      mode[3][k] = sx[k] * sy[k] * sz[k];
    }
    double hx[4] = {0}, hy[4] = {0}, hz[4] = {0};
    for (int m = 0; m < 4; m++)
      for (int k = 0; k < 8; k++) hx[m] += mode[m][k] * xd[c[k]], hy[m] += mode[m][k] * yd[c[k]], hz[m] += mode[m][k] * zd[c[k]];
    for (int k = 0; k < 8; k++) {
      double gx = 0, gy = 0, gz = 0;
      for (int m = 0; m < 4; m++) gx += mode[m][k] * hx[m], gy += mode[m][k] * hy[m], gz += mode[m][k] * hz[m];
      cfx[8 * el + k] += coef * gx, cfy[8 * el + k] += coef * gy, cfz[8 * el + k] += coef * gz;
    }
  }
}

/* Each node sums the corner forces of its (up to 8) elements, always in the same order. */
static void gather_forces(void) {
#pragma omp parallel for
  for (int n = 0; n < n_node; n++) {
    int i = n % nn, j = n / nn % nn, k = n / (nn * nn);
    double sfx = 0, sfy = 0, sfz = 0;
    for (int c = 0; c < 8; c++) {
      int ei = i - (c & 1), ej = j - (c >> 1 & 1), ek = k - (c >> 2);
      if (ei < 0 || ej < 0 || ek < 0 || ei >= ne || ej >= ne || ek >= ne) continue;
      int slot = 8 * elem_id(ei, ej, ek) + c;
      sfx += cfx[slot], sfy += cfy[slot], sfz += cfz[slot];
    }
    fx[n] = sfx, fy[n] = sfy, fz[n] = sfz;
  }
}

static void acceleration(void) {
#pragma omp parallel for
  for (int n = 0; n < n_node; n++) {
    xdd[n] = fx[n] / nmass[n];
    ydd[n] = fy[n] / nmass[n];
    zdd[n] = fz[n] / nmass[n];
  }
}

/* Symmetry planes: no acceleration across x=0, y=0, z=0 (one loop per plane, like LULESH). */
static void symmetry_planes(void) {
#pragma omp parallel for
  for (int a = 0; a < nn * nn; a++) xdd[node_id(0, a % nn, a / nn)] = 0;
#pragma omp parallel for
  for (int a = 0; a < nn * nn; a++) ydd[node_id(a % nn, 0, a / nn)] = 0;
#pragma omp parallel for
  for (int a = 0; a < nn * nn; a++) zdd[node_id(a % nn, a / nn, 0)] = 0;
}

static double cut(double u) { return fabs(u) < u_cut ? 0.0 : u; }

static void velocity(double dt) {
#pragma omp parallel for
  for (int n = 0; n < n_node; n++) {
    xd[n] = cut(xd[n] + xdd[n] * dt);
    yd[n] = cut(yd[n] + ydd[n] * dt);
    zd[n] = cut(zd[n] + zdd[n] * dt);
  }
}

static void position(double dt) {
#pragma omp parallel for
  for (int n = 0; n < n_node; n++) {
    x[n] += xd[n] * dt;
    y[n] += yd[n] * dt;
    z[n] += zd[n] * dt;
  }
}

/* New relative volume, its change, the element length, and the velocity differences across the element. */
static void kinematics(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) {
    const int *c = corner + 8 * el;
    double dx, dy, dz;
    box(el, &dx, &dy, &dz);
    vnew[el] = dx * dy * dz / vol0[el];
    delv[el] = vnew[el] - v[el];
    double l = dx < dy ? dx : dy;
    arealg[el] = l < dz ? l : dz;
    double ux = 0, uy = 0, uz = 0;
    for (int k = 0; k < 8; k++) ux += sx[k] * xd[c[k]], uy += sy[k] * yd[c[k]], uz += sz[k] * zd[c[k]];
    dxe[el] = dx, dye[el] = dy, dze[el] = dz;
    delv_xi[el] = 0.25 * ux, delv_eta[el] = 0.25 * uy, delv_zeta[el] = 0.25 * uz;
  }
}

/* Volumetric strain rate (1/V dV/dt) from the velocity gradients. */
static void strain_rate(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) vdov[el] = delv_xi[el] / dxe[el] + delv_eta[el] / dye[el] + delv_zeta[el] / dze[el];
}

/* LULESH's monotonic limiter: how much of the compression in one direction is a smooth gradient. */
static double limiter(const double *dv, int el, int minus, int plus) {
  double norm = 1.0 / (dv[el] + 1e-36);
  double dm = dv[minus] * norm, dp = dv[plus] * norm;
  double phi = 0.5 * (dm + dp);
  dm *= monoq_mult, dp *= monoq_mult;
  if (dm < phi) phi = dm;
  if (dp < phi) phi = dp;
  if (phi < 0) phi = 0;
  if (phi > monoq_max_slope) phi = monoq_max_slope;
  return phi;
}

/* Linear and quadratic artificial viscosity terms, only where the element is compressing. */
static void monotonic_q(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) {
    if (vdov[el] > 0) {
      ql[el] = qq[el] = 0;
      continue;
    }
    double ux = delv_xi[el] * (1 - limiter(delv_xi, el, lxim[el], lxip[el]));
    double uy = delv_eta[el] * (1 - limiter(delv_eta, el, letam[el], letap[el]));
    double uz = delv_zeta[el] * (1 - limiter(delv_zeta, el, lzetam[el], lzetap[el]));
    ux = ux > 0 ? 0 : ux, uy = uy > 0 ? 0 : uy, uz = uz > 0 ? 0 : uz;
    double rho = emass[el] / (vol0[el] * vnew[el]);
    ql[el] = -qlc * rho * (ux + uy + uz);
    qq[el] = qqc * rho * (ux * ux + uy * uy + uz * uz);
  }
}

static void save_state(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) e_old[el] = e[el], p_old[el] = p[el], q_old[el] = q[el];
}

static double pressure_of(double rho, double energy) {
  double pr = (gamma_gas - 1) * rho * energy;
  return pr < p_min ? p_min : pr;
}

/* Predictor: half the p dV work with the old pressure and viscosity. */
static void energy_predict(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) {
    double en = e_old[el] - (p_old[el] + q_old[el]) * delv[el] * vol0[el] / emass[el];
    e[el] = en < e_min ? e_min : en;
  }
}

static void pressure_predict(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) p_half[el] = pressure_of(emass[el] / (vol0[el] * vnew[el]), e[el]);
}

static void viscosity(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) q[el] = ss[el] * ql[el] + qq[el];
}

/* Corrector: the work with the average of old and predicted pressure and viscosity. */
static void energy_correct(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) {
    double work = 0.5 * (p_old[el] + p_half[el] + q_old[el] + q[el]) * delv[el] * vol0[el] / emass[el];
    double en = e_old[el] - work;
    e[el] = en < e_min ? e_min : en;
  }
}

static void pressure(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) p[el] = pressure_of(emass[el] / (vol0[el] * vnew[el]), e[el]);
}

static void sound_speed(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) {
    double c2 = gamma_gas * p[el] * vol0[el] * vnew[el] / emass[el];
    ss[el] = sqrt(c2 < ss_min2 ? ss_min2 : c2);
  }
}

static void update_volume(void) {
#pragma omp parallel for
  for (int el = 0; el < n_elem; el++) v[el] = fabs(vnew[el] - 1) < v_cut ? 1.0 : vnew[el];
}

/* Courant limit: the time for a signal (sound plus viscous) to cross the element. */
static double courant_dt(void) {
  double dtc = 1e20;
#pragma omp parallel for reduction(min : dtc)
  for (int el = 0; el < n_elem; el++) {
    if (vdov[el] == 0) continue;
    double f = ss[el] * ss[el];
    if (vdov[el] < 0) f += qqc2 * arealg[el] * arealg[el] * vdov[el] * vdov[el];
    double t = arealg[el] / sqrt(f);
    dtc = t < dtc ? t : dtc;
  }
  return dtc;
}

/* Hydro limit: no element's volume may change by more than dvov_max in a step. */
static double hydro_dt(void) {
  double dth = 1e20;
#pragma omp parallel for reduction(min : dth)
  for (int el = 0; el < n_elem; el++) {
    if (vdov[el] == 0) continue;
    double t = dvov_max / (fabs(vdov[el]) + 1e-20);
    dth = t < dth ? t : dth;
  }
  return dth;
}

/* One step with time step dt; returns the next dt. */
static double step(double dt) {
  stress();
  volume_force();
  hourglass_force();
  gather_forces();
  acceleration();
  symmetry_planes();
  velocity(dt);
  position(dt);
  kinematics();
  strain_rate();
  monotonic_q();
  save_state();
  energy_predict();
  pressure_predict();
  viscosity();
  energy_correct();
  pressure();
  sound_speed();
  update_volume();
  double next = dt * dt_growth, dtc = 0.5 * courant_dt(), dth = (2.0 / 3.0) * hydro_dt();
  if (dtc < next) next = dtc;
  if (dth < next) next = dth;
  return next < dt_max ? next : dt_max;
}

/* ---- results ---- */

static double total_energy(void) {
  double sum = 0;
  for (int el = 0; el < n_elem; el++) sum += e[el] * emass[el];
  for (int n = 0; n < n_node; n++) sum += 0.5 * nmass[n] * (xd[n] * xd[n] + yd[n] * yd[n] + zd[n] * zd[n]);
  return sum;
}

/* Weighted sums over fields, so a permuted or shifted array does not give the same value. */
static double checksum(void) {
  double sum = 0;
  for (int el = 0; el < n_elem; el++) sum += (e[el] + p[el] + q[el] + v[el]) * (1 + el % 7);
  for (int n = 0; n < n_node; n++) sum += (x[n] + 2 * y[n] + 3 * z[n] + xd[n] + yd[n] + zd[n]) * (1 + n % 5);
  return sum;
}

int main(int argc, char **argv) {
  ne = argc > 1 ? atoi(argv[1]) : 30;
  int steps = argc > 2 ? atoi(argv[2]) : 200;
  if (ne < 2 || steps < 1) {
    fprintf(stderr, "usage: omp_lulesh_proxy [edge >= 2] [steps >= 1]\n");
    return 2;
  }
  nn = ne + 1;
  allocate();
  initialise();
  double e0 = total_energy();

  double dt = 1e-7, time = 0, t0 = seconds();
  for (int s = 0; s < steps; s++) {
    double next = step(dt);
    time += dt;
    dt = next;
  }
  double t = seconds() - t0;
  double en = total_energy();
  printf("# simulated time %.6e, last dt %.6e, energy drift %.3e\n", time, dt, (en - e0) / e0);
  printf("edge=%d threads=%d steps=%d seconds=%.6f us_per_step=%.3f energy=%.17g checksum=%.17g\n", ne,
         omp_get_max_threads(), steps, t, t / steps * 1e6, en, checksum());
  return 0;
}
