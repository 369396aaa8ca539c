// Migration test program in C++: the all-rank barrier is reached through a virtual call (an indirect call, so
// Asyncify must instrument indirect calls here), with std::vector / std::map / std::string state live across
// it, and a Cartesian communicator made before the barriers and used after.
#include <mpi.h>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

static int failures;
static void expect(long expected, long got, const char *what, int rank) {
  if (expected != got) {
    std::printf("FAIL rank %d: %s expected %ld got %ld\n", rank, what, expected, got);
    failures++;
  }
}

struct Step {
  virtual ~Step() = default;
  virtual long run(int round, MPI_Comm comm) = 0;
};

struct BarrierStep : Step {
  std::vector<long> history;
  long run(int round, MPI_Comm comm) override {
    std::map<int, std::string> names{{round, "round" + std::to_string(round)}};
    history.push_back(round * 3);
    MPI_Barrier(comm);
    return (long)names[round].size() + history.back();
  }
};

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int dims[1] = {size}, periods[1] = {1};
  MPI_Comm cart;
  MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &cart);
  std::vector<Step *> steps{new BarrierStep()};
  long total = 0;
  for (int round = 0; round < 5; round++) {
    for (Step *s : steps) total += s->run(round, MPI_COMM_WORLD);
    int src, dst, got = -1;
    MPI_Cart_shift(cart, 0, 1, &src, &dst);
    MPI_Sendrecv(&rank, 1, MPI_INT, dst, 0, &got, 1, MPI_INT, src, 0, cart, MPI_STATUS_IGNORE);
    expect(src, got, "cartesian neighbour", rank);
    std::printf("rank %d round %d total %ld\n", rank, round, total);
    std::fflush(stdout);
  }
  expect(static_cast<BarrierStep *>(steps[0])->history.size(), 5, "history kept", rank);
  for (Step *s : steps) delete s;
  MPI_Comm_free(&cart);
  if (failures == 0) std::printf("OK migrate_cpp rank %d\n", rank);
  std::fflush(stdout);
  MPI_Finalize();
  return failures ? 1 : 0;
}
