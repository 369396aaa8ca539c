/* A LAMMPS-like compute kernel (in.lj's shape): Lennard-Jones atoms on a lattice, velocity Verlet, a neighbour
 * list rebuilt every 10 steps, the energy summed over ranks every step and an all-rank MPI_Barrier every 20
 * (the migration points). Each rank owns a slab of atoms and treats the others as fixed images (enough for the
 * cost of the force loop, which is what Asyncify could slow down). Prints md_ms and a checksum. */
#include <mpi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAXNEIGH 96

typedef struct { double x, y, z; } vec;

static int natoms;
static vec *pos, *vel, *force;
static int *neigh, *nneigh;

__attribute__((noinline)) static void build_neighbours(double cut2, double box) {
  for (int i = 0; i < natoms; i++) {
    int n = 0;
    for (int j = 0; j < natoms && n < MAXNEIGH; j++) {
      if (j == i) continue;
      double dx = pos[i].x - pos[j].x, dy = pos[i].y - pos[j].y, dz = pos[i].z - pos[j].z;
      dx -= box * nearbyint(dx / box); dy -= box * nearbyint(dy / box); dz -= box * nearbyint(dz / box);
      if (dx * dx + dy * dy + dz * dz < cut2) neigh[i * MAXNEIGH + n++] = j;
    }
    nneigh[i] = n;
  }
}

__attribute__((noinline)) static double pair_force(const vec *a, const vec *b, vec *f, double box) {
  double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
  dx -= box * nearbyint(dx / box); dy -= box * nearbyint(dy / box); dz -= box * nearbyint(dz / box);
  double r2 = dx * dx + dy * dy + dz * dz;
  if (r2 > 6.25) return 0;
  double r6i = 1.0 / (r2 * r2 * r2);
  double ff = 48.0 * r6i * (r6i - 0.5) / r2;
  f->x += ff * dx; f->y += ff * dy; f->z += ff * dz;
  return 4.0 * r6i * (r6i - 1.0);
}

__attribute__((noinline)) static double compute_forces(double box) {
  double e = 0;
  for (int i = 0; i < natoms; i++) force[i].x = force[i].y = force[i].z = 0;
  for (int i = 0; i < natoms; i++)
    for (int k = 0; k < nneigh[i]; k++) e += pair_force(&pos[i], &pos[neigh[i * MAXNEIGH + k]], &force[i], box);
  return e / 2;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int cells = argc > 1 ? atoi(argv[1]) : 8, steps = argc > 2 ? atoi(argv[2]) : 200;
  double a = 1.6796, box = cells * a, dt = 0.005;
  natoms = 4 * cells * cells * cells;
  pos = malloc(natoms * sizeof *pos); vel = calloc(natoms, sizeof *vel); force = calloc(natoms, sizeof *force);
  neigh = malloc(natoms * MAXNEIGH * sizeof *neigh); nneigh = calloc(natoms, sizeof *nneigh);
  const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  int n = 0;
  for (int i = 0; i < cells; i++)
    for (int j = 0; j < cells; j++)
      for (int k = 0; k < cells; k++)
        for (int b = 0; b < 4; b++, n++) {
          pos[n].x = (i + basis[b][0]) * a; pos[n].y = (j + basis[b][1]) * a; pos[n].z = (k + basis[b][2]) * a;
          vel[n].x = ((n * 7919 + rank) % 101 - 50) * 1e-3; vel[n].y = ((n * 104729) % 97 - 48) * 1e-3; vel[n].z = ((n * 1299709) % 89 - 44) * 1e-3;
        }
  double t0 = MPI_Wtime(), energy = 0;
  build_neighbours(2.8 * 2.8, box);
  compute_forces(box);
  for (int s = 0; s < steps; s++) {
    for (int i = rank; i < natoms; i += size) {
      vel[i].x += 0.5 * dt * force[i].x; vel[i].y += 0.5 * dt * force[i].y; vel[i].z += 0.5 * dt * force[i].z;
      pos[i].x += dt * vel[i].x; pos[i].y += dt * vel[i].y; pos[i].z += dt * vel[i].z;
    }
    if (s % 10 == 0) build_neighbours(2.8 * 2.8, box);
    double e = compute_forces(box);
    for (int i = rank; i < natoms; i += size) {
      vel[i].x += 0.5 * dt * force[i].x; vel[i].y += 0.5 * dt * force[i].y; vel[i].z += 0.5 * dt * force[i].z;
    }
    MPI_Allreduce(&e, &energy, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (s % 20 == 19) MPI_Barrier(MPI_COMM_WORLD);
  }
  double ms = (MPI_Wtime() - t0) * 1e3;
  if (rank == 0) printf("md_ms %.3f atoms %d energy %.6f\n", ms, natoms, energy);
  MPI_Finalize();
  return 0;
}
