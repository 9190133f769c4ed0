/* The memory rate for scripts/bench.sh: what libcrypto's SHA-256 does on
 * THREADS threads when the bytes come from RAM, not from the CPU's caches.
 *
 *   sha256_memory THREADS MIB RUNS   prints bytes/s, the median of RUNS
 *
 * Each thread hashes its own MIB MiB buffer, written (so faulted in) before
 * the clock starts: no I/O, no page faults, no copy. `openssl speed` hashes
 * one 16 KiB block again and again, which never leaves the L1 cache; a
 * model's bytes are in the page cache, that is in RAM. Where streaming
 * from RAM slows SHA-256 down (on a VM, 4 KiB guest pages cost a two-level
 * page walk per TLB miss), this says by how much. It is a reference, not a
 * bound: pread copies through the kernel's own mapping of RAM into a buffer
 * that stays in the L2 cache, and can beat it. */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct worker {
	pthread_t thread;
	unsigned char *buf;
	size_t len;
	pthread_barrier_t *start;
	int ok;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *hash_buffer(void *arg)
{
	struct worker *w = arg;
	unsigned char md[EVP_MAX_MD_SIZE];
	pthread_barrier_wait(w->start);
	w->ok = EVP_Digest(w->buf, w->len, md, NULL, EVP_sha256(), NULL) == 1;
	return NULL;
}

/* One run: every thread hashes its buffer once; the wall-clock seconds
 * from the common start to the last one done. -1 on failure. */
static double one_run(struct worker *w, int threads)
{
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
	for (int i = 0; i < threads; i++) {
		w[i].start = &start;
		if (pthread_create(&w[i].thread, NULL, hash_buffer, &w[i]) != 0) {
			fprintf(stderr, "sha256_memory: cannot start thread %d\n", i);
			exit(1);
		}
	}
	pthread_barrier_wait(&start);
	double t0 = now_s();
	int ok = 1;
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		ok &= w[i].ok;
	}
	double took = now_s() - t0;
	pthread_barrier_destroy(&start);
	return ok ? took : -1;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: sha256_memory THREADS MIB RUNS\n");
		return 2;
	}
	int threads = atoi(argv[1]), mib = atoi(argv[2]), runs = atoi(argv[3]);
	if (threads < 1 || threads > 1024 || mib < 1 || mib > 4096 || runs < 1 || runs > 99) {
		fprintf(stderr, "sha256_memory: THREADS 1-1024, MIB 1-4096, RUNS 1-99\n");
		return 2;
	}
	struct worker *w = calloc((size_t)threads, sizeof *w);
	double *took = calloc((size_t)runs, sizeof *took);
	if (!w || !took)
		return 1;
	for (int i = 0; i < threads; i++) {
		w[i].len = (size_t)mib << 20;
		if (!(w[i].buf = malloc(w[i].len))) {
			fprintf(stderr, "sha256_memory: out of memory\n");
			return 1;
		}
		memset(w[i].buf, 0x5a + i, w[i].len); /* faulted in before timing */
	}
	for (int r = 0; r < runs; r++)
		if ((took[r] = one_run(w, threads)) <= 0) {
			fprintf(stderr, "sha256_memory: hashing failed\n");
			return 1;
		}
	qsort(took, (size_t)runs, sizeof *took, by_value);
	double median = runs % 2 ? took[runs / 2] : (took[runs / 2 - 1] + took[runs / 2]) / 2;
	printf("%.0f\n", (double)threads * (double)((size_t)mib << 20) / median);
	for (int i = 0; i < threads; i++)
		free(w[i].buf);
	free(w);
	free(took);
	return 0;
}
