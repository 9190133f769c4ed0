/* Unit tests for the hashing engine: shard planning edge cases, ignore rules,
 * ordering, and agreement with an independent SHA-256 of the same bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check_main.h"
#include "modelseal/hasher.h"
#include "modelseal/hashing.h"
#include "modelseal/pool.h"
#include "modelseal/walk.h"
#include "modelseal/util.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/ms-hash-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char *cmd = ms_asprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Writes n bytes of a repeating pattern to dir/rel, creating parents. */
static void make_file(const char *rel, size_t n)
{
	char *path = ms_asprintf("%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	unsigned char *bytes = ms_malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		bytes[i] = (unsigned char)(i * 7 % 251);
	ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
	free(bytes);
	fclose(f);
	free(path);
}

static struct ms_manifest hash_dir(struct ms_hash_opts *o)
{
	struct ms_manifest m;
	ck_assert_int_eq(ms_model_hash(dir, o, &m), 0);
	return m;
}

START_TEST(shards_cover_file_exactly)
{
	/* 0 bytes, 1 byte, exactly 2 shards, 2 shards + 1 byte. */
	make_file("a_empty", 0);
	make_file("b_one", 1);
	make_file("c_exact", 16);
	make_file("d_over", 17);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.shard_size = 8;
	struct ms_manifest m = hash_dir(&o);
	/* empty: none; one: 1; exact: 2; over: 3 */
	ck_assert_uint_eq(m.n_res, 6);
	ck_assert_str_eq(m.res[0].path, "b_one");
	ck_assert_uint_eq(m.res[0].start, 0);
	ck_assert_uint_eq(m.res[0].end, 1);
	ck_assert_uint_eq(m.res[2].start, 8);
	ck_assert_uint_eq(m.res[2].end, 16);
	ck_assert_str_eq(m.res[5].path, "d_over");
	ck_assert_uint_eq(m.res[5].start, 16);
	ck_assert_uint_eq(m.res[5].end, 17);
	ck_assert_uint_eq(m.n_files, 4);
	ck_assert_uint_eq(m.total_bytes, 34);
	ms_manifest_free(&m);
}
END_TEST

START_TEST(files_method_lists_empty_files)
{
	make_file("empty", 0);
	make_file("x", 100);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.method = MS_METHOD_FILES;
	struct ms_manifest m = hash_dir(&o);
	ck_assert_uint_eq(m.n_res, 2);
	uint8_t want[32];
	SHA256((const unsigned char *)"", 0, want);
	ck_assert_mem_eq(m.res[0].digest, want, 32);
	ms_manifest_free(&m);
}
END_TEST

START_TEST(shard_digests_match_sha256_of_the_bytes)
{
	make_file("w", 1000);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.shard_size = 300;
	o.jobs = 3;
	struct ms_manifest m = hash_dir(&o);
	ck_assert_uint_eq(m.n_res, 4);
	unsigned char bytes[1000], want[32];
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)(i * 7 % 251);
	for (size_t k = 0; k < 4; k++) {
		size_t start = k * 300, len = k == 3 ? 100 : 300;
		SHA256(bytes + start, len, want);
		ck_assert_mem_eq(m.res[k].digest, want, 32);
	}
	/* The root is SHA-256 over the concatenated shard digests. */
	unsigned char cat[4 * 32];
	for (size_t k = 0; k < 4; k++)
		memcpy(cat + 32 * k, m.res[k].digest, 32);
	SHA256(cat, sizeof cat, want);
	ck_assert_mem_eq(m.root, want, 32);
	ms_manifest_free(&m);
}
END_TEST

START_TEST(big_file_map_path_equals_read_path)
{
	/* 3 MiB + 5: mapped windows for the large shard, reads for the tail. */
	make_file("big", (3u << 20) + 5);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.method = MS_METHOD_FILES;
	struct ms_manifest files = hash_dir(&o);
	o.method = MS_METHOD_SHARDS;
	o.shard_size = 1u << 30;
	struct ms_manifest shards = hash_dir(&o);
	ck_assert_mem_eq(files.res[0].digest, shards.res[0].digest, 32);
	/* Independent check of the same bytes. */
	size_t n = (3u << 20) + 5;
	unsigned char *bytes = ms_malloc(n), want[32];
	for (size_t i = 0; i < n; i++)
		bytes[i] = (unsigned char)(i * 7 % 251);
	SHA256(bytes, n, want);
	ck_assert_mem_eq(files.res[0].digest, want, 32);
	free(bytes);
	ms_manifest_free(&files);
	ms_manifest_free(&shards);
}
END_TEST

/* SHA-256 of the make_file pattern's first n bytes. */
static void pattern_sha256(size_t n, unsigned char *want)
{
	unsigned char *bytes = ms_malloc(n);
	for (size_t i = 0; i < n; i++)
		bytes[i] = (unsigned char)(i * 7 % 251);
	SHA256(bytes, n, want);
	free(bytes);
}

START_TEST(read_paths_agree_and_auto_decides)
{
	/* 11 MiB + 3 in 1 MiB shards: eleven ranges of 1 MiB, enough windows
	 * for the samples of both paths even when the threads overlap at the
	 * phase boundary (mapped and read samples lost there), and some after. */
	size_t n = (11u << 20) + 3;
	make_file("w", n);
	unsigned char want[32];
	pattern_sha256(n, want);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.method = MS_METHOD_FILES;
	const enum ms_read_path paths[] = {MS_READ_MAP, MS_READ_PREAD, MS_READ_AUTO};
	for (size_t k = 0; k < 3; k++) {
		ms_read_path_set(paths[k]);
		struct ms_manifest m = hash_dir(&o);
		ck_assert_mem_eq(m.res[0].digest, want, 32);
		ms_manifest_free(&m);
	}
	/* Eleven 1 MiB shards give both paths their samples: AUTO decides. */
	ms_read_path_set(MS_READ_AUTO);
	o.method = MS_METHOD_SHARDS;
	o.shard_size = 1u << 20;
	struct ms_manifest m = hash_dir(&o);
	ck_assert_uint_eq(m.n_res, 12);
	ck_assert_int_ne(ms_read_path_current(), MS_READ_AUTO);
	ms_manifest_free(&m);
	ms_read_path_set(MS_READ_AUTO);
}
END_TEST

/* Whether the kernel itself says page k of the mapping p is resident (we
 * own the file, so mincore reports the page cache). */
static int page_resident(const unsigned char *p, size_t k)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char vec = 0;
	ck_assert_int_eq(mincore((void *)(p + k * (size_t)page), (size_t)page, &vec), 0);
	return vec & 1;
}

START_TEST(window_cached_follows_the_page_cache)
{
	size_t n = 2u << 20;
	make_file("c", n);
	char *path = ms_asprintf("%s/c", dir);
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ms_window_cached(fd, 0, n), 1); /* just written */
	/* Evicted (written back first: dirty pages stay), as far as the
	 * kernel lets us: tmpfs keeps them, and then they are cached. */
	ck_assert_int_eq(fdatasync(fd), 0);
	ck_assert_int_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	unsigned char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	long page = sysconf(_SC_PAGESIZE);
	int first = page_resident(p, 0), last = page_resident(p, n / (size_t)page - 1);
	char byte;
	struct iovec v = {&byte, 1};
	int can_tell = preadv2(fd, &v, 1, 0, RWF_NOWAIT) >= 0 || errno == EAGAIN;
	if (can_tell && !first) /* neither byte read nor counted as cached */
		ck_assert_int_eq(ms_window_cached(fd, 0, n), 0);
	if (first && last)
		ck_assert_int_eq(ms_window_cached(fd, 0, n), 1);
	ck_assert_int_eq(page_resident(p, 0), first); /* the probe loaded nothing */
	/* The first page alone read back (no readahead): the last byte is
	 * still out, so the window is not cached. */
	ck_assert_int_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM), 0);
	ck_assert_int_eq(pread(fd, &byte, 1, 0), 1);
	if (can_tell && page_resident(p, 0) && !page_resident(p, n / (size_t)page - 1)) {
		ck_assert_int_eq(ms_window_cached(fd, 0, n), 0);
		ck_assert_int_eq(ms_window_cached(fd, 0, 1), 1);
	}
	unsigned char *buf = ms_malloc(n);
	ck_assert_int_eq(pread(fd, buf, n, 0), (ssize_t)n);
	ck_assert_int_eq(ms_window_cached(fd, 0, n), 1);
	ck_assert_int_eq(ms_window_cached(fd, n / 2, 1), 1);
	ck_assert_int_eq(ms_window_cached(fd, 0, 0), 1);
	free(buf);
	munmap(p, n);
	close(fd);
	free(path);
}
END_TEST

START_TEST(read_path_pick_is_cheaper_per_byte)
{
	/* map 2 ns/byte against read 1 ns/byte, with unequal sample sizes */
	const uint64_t slow_map[2] = {2000, 500}, bytes[2] = {1000, 500};
	ck_assert_int_eq(ms_read_path_pick(slow_map, bytes), MS_READ_PREAD);
	const uint64_t fast_map[2] = {900, 500};
	ck_assert_int_eq(ms_read_path_pick(fast_map, bytes), MS_READ_MAP);
	const uint64_t tie[2] = {1000, 500};
	ck_assert_int_eq(ms_read_path_pick(tie, bytes), MS_READ_MAP);
}
END_TEST

/* ms_model_hash hashes small files while the walk lists them; ms_walk_hash
 * of a finished walk does not. Both give the same manifest on every shape:
 * empty files, files of exactly one shard, files of many, above EARLY_MAX. */
START_TEST(hashing_while_listing_equals_after)
{
	make_file("e/empty", 0);
	make_file("a", 1);
	make_file("b/exact", 4096);
	make_file("b/two", 4097);
	make_file("c/many", 40000);
	make_file("d/big", (64u << 20) + 7);
	for (int method = 0; method < 2; method++) {
		struct ms_hash_opts o;
		ms_hash_opts_init(&o);
		o.method = method ? MS_METHOD_FILES : MS_METHOD_SHARDS;
		o.shard_size = 4096;
		struct ms_manifest early = hash_dir(&o), late;
		struct ms_walk w;
		ck_assert_int_eq(ms_walk_model(dir, &o, &w), 0);
		ck_assert_int_eq(ms_walk_hash(&w, &o, &late), 0);
		ms_walk_free(&w);
		ck_assert_uint_eq(early.n_res, late.n_res);
		for (size_t i = 0; i < early.n_res; i++) {
			ck_assert_str_eq(early.res[i].path, late.res[i].path);
			ck_assert_uint_eq(early.res[i].start, late.res[i].start);
			ck_assert_mem_eq(early.res[i].digest, late.res[i].digest, 32);
		}
		ck_assert_mem_eq(early.root, late.root, MS_ROOT_LEN);
		ms_manifest_free(&early);
		ms_manifest_free(&late);
	}
}
END_TEST

/* verify's admission: x/extra is left out, c/many is read to 30000 bytes. */
static int admit_some(struct ms_file *f, void *ctx)
{
	(void)ctx;
	if (strcmp(f->rel, "x/extra") == 0)
		return 0;
	if (strcmp(f->rel, "c/many") == 0)
		f->hash_limit = 30000;
	return 1;
}

/* ms_walk_model_hashing hashes the admitted files while the walk lists;
 * after the same filter, ms_walk_hash_listed gives what ms_walk_hash of a
 * finished, filtered walk gives, and nothing of the left-out file. */
START_TEST(admitted_while_listing_equals_after)
{
	make_file("e/empty", 0);
	make_file("a", 1);
	make_file("b/exact", 4096);
	make_file("c/many", 40000);
	make_file("d/big", (64u << 20) + 7);
	make_file("x/extra", 5000);
	for (int method = 0; method < 2; method++) {
		struct ms_hash_opts o;
		ms_hash_opts_init(&o);
		o.method = method ? MS_METHOD_FILES : MS_METHOD_SHARDS;
		o.shard_size = 4096;
		struct ms_walk w, v;
		struct ms_listed_hash *h;
		struct ms_manifest early, late;
		ck_assert_int_eq(ms_walk_model_hashing(dir, &o, admit_some, NULL, &w, &h), 0);
		ms_walk_filter(&w, admit_some, NULL);
		ck_assert_int_eq(ms_walk_hash_listed(h, &w, &o, &early), 0);
		ms_listed_hash_free(h);
		ms_walk_free(&w);
		ck_assert_int_eq(ms_walk_model(dir, &o, &v), 0);
		ms_walk_filter(&v, admit_some, NULL);
		ck_assert_int_eq(ms_walk_hash(&v, &o, &late), 0);
		ms_walk_free(&v);
		ck_assert_uint_eq(early.n_res, late.n_res);
		for (size_t i = 0; i < early.n_res; i++) {
			ck_assert_str_eq(early.res[i].path, late.res[i].path);
			ck_assert_msg(strncmp(early.res[i].path, "x/", 2) != 0, "x/extra hashed");
			ck_assert_uint_eq(early.res[i].start, late.res[i].start);
			ck_assert_uint_eq(early.res[i].end, late.res[i].end);
			ck_assert_mem_eq(early.res[i].digest, late.res[i].digest, 32);
		}
		ck_assert_uint_eq(early.total_bytes, 1 + 4096 + 30000 + (64u << 20) + 7);
		ck_assert_mem_eq(early.root, late.root, MS_ROOT_LEN);
		ms_manifest_free(&early);
		ms_manifest_free(&late);
		ms_hash_opts_free(&o);
	}
}
END_TEST

struct seen {
	size_t n, stop_at;
	int in_order;
};

static int count_listed(void *ctx, const struct ms_walk *w, const struct ms_file *f)
{
	struct seen *s = ctx;
	ck_assert_int_ge(w->root_fd, 0); /* open before the first file */
	s->in_order &= f->seq == s->n;
	return ++s->n == s->stop_at ? -1 : 0;
}

START_TEST(walk_hands_over_files_as_listed)
{
	make_file("x/1", 1);
	make_file("x/2", 1);
	make_file("y", 1);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	struct ms_walk w;
	struct seen s = {0, 0, 1};
	ck_assert_int_eq(ms_walk_model_each(dir, &o, &w, count_listed, &s), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert(s.in_order);
	ck_assert_uint_eq(w.n_files, 3);
	ms_walk_free(&w);
	/* A callback that fails ends the walk; w is left to the caller. */
	s = (struct seen){0, 2, 1};
	ck_assert_int_eq(ms_walk_model_each(dir, &o, &w, count_listed, &s), -1);
	ck_assert_uint_eq(s.n, 2);
	ms_walk_free(&w);
}
END_TEST

/* Rules select the same files when their symlink rule and built ignore
 * lists agree, however they were spelled. */
START_TEST(same_files_compares_built_rules)
{
	struct ms_hash_opts a, b;
	ms_hash_opts_init(&a);
	ms_hash_opts_init(&b);
	struct ms_source_opts sa = ms_hash_source_opts(&a), sb;
	ck_assert(ms_source_opts_same_files(&sa, &sa));
	/* git's names given one by one, as a statement records them */
	b.ignore_git = 0;
	static const char *const git[] = {
	    ".gitignore", ".git", ".github", ".gitattributes", ".cache/huggingface", "model.sig"};
	for (size_t i = 0; i < MS_ARRAY_LEN(git); i++)
		ck_assert_int_eq(ms_hash_opts_add_ignore(&b, git[i]), 0);
	sa = ms_hash_source_opts(&a);
	sb = ms_hash_source_opts(&b);
	ck_assert(ms_source_opts_same_files(&sa, &sb));
	ck_assert_int_eq(ms_hash_opts_add_ignore(&b, "tmp"), 0);
	sb = ms_hash_source_opts(&b);
	ck_assert(!ms_source_opts_same_files(&sa, &sb));
	ck_assert_int_eq(ms_hash_opts_add_ignore(&a, "./tmp/"), 0);
	sa = ms_hash_source_opts(&a);
	ck_assert(ms_source_opts_same_files(&sa, &sb));
	a.allow_symlinks = 1;
	sa = ms_hash_source_opts(&a);
	ck_assert(!ms_source_opts_same_files(&sa, &sb));
	a.allow_symlinks = 0;
	a.ignore_git = 0; /* git's names now hashed: one ignore list is longer */
	sa = ms_hash_source_opts(&a);
	ck_assert(!ms_source_opts_same_files(&sa, &sb));
	ms_hash_opts_free(&a);
	ms_hash_opts_free(&b);
}
END_TEST

/* A listing made ahead is the listing the walk makes, handed over only
 * when the rules asked for select the same files; a failed one (a symlink
 * the rules refuse) is dropped without a word. */
START_TEST(listing_ahead_equals_the_walk)
{
	make_file("a/1", 3);
	make_file("a/2", 0);
	make_file("b", 70);
	make_file(".git/HEAD", 1);
	struct ms_hash_opts o, guess;
	ms_hash_opts_init(&o);
	struct ms_walk want, got;
	ck_assert_int_eq(ms_walk_model(dir, &o, &want), 0);
	ms_hash_opts_init(&guess);
	struct ms_listing_ahead *a = ms_listing_ahead_start(dir, &guess);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(ms_listing_ahead_take(a, &o, &got), 1);
	ck_assert_uint_eq(got.n_files, want.n_files);
	for (size_t i = 0; i < want.n_files; i++) {
		ck_assert_str_eq(got.files[i].rel, want.files[i].rel);
		ck_assert_uint_eq(got.files[i].size, want.files[i].size);
		ck_assert_uint_eq(got.files[i].ino, want.files[i].ino);
	}
	ms_walk_free(&got);
	/* other rules: not handed over */
	o.ignore_git = 0;
	a = ms_listing_ahead_start(dir, &guess);
	ck_assert_int_eq(ms_listing_ahead_take(a, &o, &got), 0);
	o.ignore_git = 1;
	/* a walk that fails: not handed over, nothing reported */
	char *link = ms_asprintf("%s/alias", dir);
	ck_assert_int_eq(symlink("b", link), 0);
	a = ms_listing_ahead_start(dir, &guess);
	ck_assert_int_eq(ms_listing_ahead_take(a, &o, &got), 0);
	/* dropped unused, and NULL taken or dropped */
	ms_listing_ahead_drop(ms_listing_ahead_start(dir, &guess));
	ms_listing_ahead_drop(NULL);
	ck_assert_int_eq(ms_listing_ahead_take(NULL, &o, &got), 0);
	free(link);
	ms_walk_free(&want);
	ms_hash_opts_free(&o);
}
END_TEST

/* A listing still stands for the tree until a directory of it changes:
 * an entry added, removed or renamed anywhere, a time stamp reset, a
 * directory swapped for a link, the model path pointed elsewhere. */
START_TEST(listing_stands_until_a_directory_changes)
{
	make_file("a/b/1", 3);
	make_file("c", 1);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	struct ms_walk w;
	ck_assert_int_eq(ms_walk_model(dir, &o, &w), 0);
	ck_assert_uint_eq(w.n_dirs, 3); /* ".", "a", "a/b" */
	ck_assert_str_eq(w.dirs[0].rel, ".");
	ck_assert(ms_walk_dirs_unchanged(&w, dir));
	make_file("c", 9); /* a file's bytes: the hash's business, not the listing's */
	ck_assert(ms_walk_dirs_unchanged(&w, dir));
	char *p = ms_asprintf("%s/a/b/new", dir), *q = ms_asprintf("%s/a/b", dir);
	make_file("a/b/new", 1);
	ck_assert(!ms_walk_dirs_unchanged(&w, dir));
	ms_walk_free(&w);
	ck_assert_int_eq(ms_walk_model(dir, &o, &w), 0);
	ck_assert(ms_walk_dirs_unchanged(&w, dir));
	/* removed, then the directory's times put back: its ctime still moved */
	struct stat before;
	ck_assert_int_eq(stat(q, &before), 0);
	ck_assert_int_eq(unlink(p), 0);
	struct timespec times[2] = {before.st_atim, before.st_mtim};
	ck_assert_int_eq(utimensat(AT_FDCWD, q, times, 0), 0);
	ck_assert(!ms_walk_dirs_unchanged(&w, dir));
	ms_walk_free(&w);
	ck_assert_int_eq(ms_walk_model(dir, &o, &w), 0);
	/* a directory swapped for a link to a copy of it */
	char *cmd = ms_asprintf("cp -r '%s/a' '%s/a2' && mv '%s/a' '%s/a0' && ln -s a2 '%s/a'", dir,
	                        dir, dir, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert(!ms_walk_dirs_unchanged(&w, dir));
	/* the model path naming another directory */
	ck_assert(!ms_walk_dirs_unchanged(&w, "/tmp"));
	free(cmd);
	free(p);
	free(q);
	ms_walk_free(&w);
	ms_hash_opts_free(&o);
}
END_TEST

/* A walk asked to stop ends at the next directory entry, reporting
 * nothing. */
START_TEST(walk_until_stops_at_once)
{
	make_file("x/1", 1);
	make_file("y", 1);
	struct ms_source_opts so = {0};
	struct ms_walk w;
	atomic_int stop = 1;
	ck_assert_int_eq(ms_walk_list_each_until(dir, &so, &w, NULL, NULL, &stop), -1);
	ck_assert_uint_eq(w.n_files, 0);
	ms_walk_free(&w);
	atomic_store(&stop, 0);
	ck_assert_int_eq(ms_walk_list_each_until(dir, &so, &w, NULL, NULL, &stop), 0);
	ck_assert_uint_eq(w.n_files, 2);
	ms_walk_free(&w);
}
END_TEST

static int sum_item(void *ctx, void *item, unsigned worker)
{
	(void)worker;
	atomic_size_t *sum = ctx;
	size_t v = (size_t)(uintptr_t)item;
	if (v == 1000000)
		return -1;
	atomic_fetch_add(sum, v);
	return 0;
}

START_TEST(feed_runs_every_item_and_stops_on_failure)
{
	atomic_size_t sum;
	atomic_init(&sum, 0);
	struct ms_feed *f = ms_feed_start(3, sum_item, &sum);
	for (size_t i = 1; i <= 5000; i++) /* more than the ring's first size */
		ck_assert_int_eq(ms_feed_push(f, (void *)(uintptr_t)i), 0);
	ck_assert_int_eq(ms_feed_finish(f, 0), 0);
	ck_assert_uint_eq(atomic_load(&sum), 5000u * 5001u / 2);
	f = ms_feed_start(2, sum_item, &sum);
	ck_assert_int_eq(ms_feed_push(f, (void *)(uintptr_t)1000000), 0);
	ck_assert_int_eq(ms_feed_finish(f, 0), -1);
	f = ms_feed_start(2, sum_item, &sum);
	ck_assert_int_eq(ms_feed_finish(f, 1), -1); /* cancelled */
}
END_TEST

START_TEST(deep_tree_sorted_by_components)
{
	make_file("a/b/c/d/e/f/g/h/deep", 3);
	make_file("a.b", 1);
	make_file("a/z", 1);
	make_file("a-c", 1);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.method = MS_METHOD_FILES;
	struct ms_manifest m = hash_dir(&o);
	ck_assert_uint_eq(m.n_res, 4);
	/* Component order: "a" < "a-c" < "a.b", so a/... comes first. */
	ck_assert_str_eq(m.res[0].path, "a/b/c/d/e/f/g/h/deep");
	ck_assert_str_eq(m.res[1].path, "a/z");
	ck_assert_str_eq(m.res[2].path, "a-c");
	ck_assert_str_eq(m.res[3].path, "a.b");
	ms_manifest_free(&m);
}
END_TEST

START_TEST(ignore_rules)
{
	make_file("keep", 1);
	make_file("model.sig", 1);
	make_file(".git/HEAD", 1);
	make_file(".gitignore", 1);
	make_file("sub/.gitignore", 1); /* only the root's git files are skipped */
	make_file("tmp/x", 1);
	make_file("tmpfile", 1); /* a prefix that is not a path component */
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.method = MS_METHOD_FILES;
	ck_assert_int_eq(ms_hash_opts_add_ignore(&o, "./tmp/"), 0);
	struct ms_manifest m = hash_dir(&o);
	ck_assert_uint_eq(m.n_res, 3);
	ck_assert_str_eq(m.res[0].path, "keep");
	ck_assert_str_eq(m.res[1].path, "sub/.gitignore");
	ck_assert_str_eq(m.res[2].path, "tmpfile");
	/* The statement records what was ignored. */
	int saw_tmp = 0, saw_sig = 0;
	for (size_t i = 0; i < m.n_ignore_paths; i++) {
		saw_tmp |= strcmp(m.ignore_paths[i], "tmp") == 0;
		saw_sig |= strcmp(m.ignore_paths[i], "model.sig") == 0;
	}
	ck_assert(saw_tmp && saw_sig);
	ms_manifest_free(&m);

	o.ignore_git = 0;
	m = hash_dir(&o);
	ck_assert_uint_eq(m.n_res, 5);
	ms_manifest_free(&m);
	ms_hash_opts_free(&o);
}
END_TEST

START_TEST(ignore_paths_must_stay_inside)
{
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	ck_assert_int_eq(ms_hash_opts_add_ignore(&o, "/abs"), -1);
	ck_assert_int_eq(ms_hash_opts_add_ignore(&o, "a/../../b"), -1);
	ck_assert_int_eq(ms_hash_opts_add_ignore(&o, "."), -1);
	ck_assert_int_eq(ms_hash_opts_add_ignore(&o, ""), -1);
	ck_assert_int_eq(ms_hash_opts_add_ignore(&o, "a//b/./c/"), 0);
	ck_assert_str_eq(o.ignore[0], "a/b/c");
	ms_hash_opts_free(&o);
}
END_TEST

START_TEST(symlinks_refused_unless_allowed_and_inside)
{
	make_file("real", 5);
	char *link = ms_asprintf("%s/alias", dir);
	ck_assert_int_eq(symlink("real", link), 0);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.method = MS_METHOD_FILES;
	struct ms_manifest m;
	ck_assert_int_eq(ms_model_hash(dir, &o, &m), -1);
	o.allow_symlinks = 1;
	m = hash_dir(&o);
	ck_assert_uint_eq(m.n_res, 2);
	ck_assert_mem_eq(m.res[0].digest, m.res[1].digest, 32); /* alias hashes real */
	ms_manifest_free(&m);
	unlink(link);
	ck_assert_int_eq(symlink("/etc/hostname", link), 0);
	ck_assert_int_eq(ms_model_hash(dir, &o, &m), -1);
	free(link);
}
END_TEST

START_TEST(single_file_model)
{
	make_file("weights.bin", 20);
	char *path = ms_asprintf("%s/weights.bin", dir);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.shard_size = 8;
	struct ms_manifest m;
	ck_assert_int_eq(ms_model_hash(path, &o, &m), 0);
	ck_assert_str_eq(m.name, "weights.bin");
	ck_assert_uint_eq(m.n_res, 3);
	ck_assert_str_eq(m.res[0].path, ".");
	char *name = ms_resource_name(&m, &m.res[2]);
	ck_assert_str_eq(name, ".:16:20");
	free(name);
	ms_manifest_free(&m);
	free(path);
}
END_TEST

START_TEST(blake2b_digests_are_64_bytes)
{
	make_file("x", 10);
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	o.alg = MS_HASH_BLAKE2B;
	struct ms_manifest m = hash_dir(&o);
	ck_assert_uint_eq(ms_digest_len(m.alg), 64);
	char *alg = ms_resource_algorithm(&m);
	ck_assert_str_eq(alg, "blake2b-sharded-67108864");
	free(alg);
	ms_manifest_free(&m);
}
END_TEST

START_TEST(unreadable_and_missing)
{
	struct ms_hash_opts o;
	ms_hash_opts_init(&o);
	struct ms_manifest m;
	char *missing = ms_asprintf("%s/nope", dir);
	ck_assert_int_eq(ms_model_hash(missing, &o, &m), -1);
	free(missing);
	char *fifo = ms_asprintf("%s/pipe", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(ms_model_hash(dir, &o, &m), -1); /* a FIFO is refused */
	free(fifo);
}
END_TEST

static Suite *hashing_suite(void)
{
	Suite *s = suite_create("hashing");
	TCase *tc = tcase_create("engine");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, shards_cover_file_exactly);
	tcase_add_test(tc, files_method_lists_empty_files);
	tcase_add_test(tc, shard_digests_match_sha256_of_the_bytes);
	tcase_add_test(tc, big_file_map_path_equals_read_path);
	tcase_add_test(tc, read_paths_agree_and_auto_decides);
	tcase_add_test(tc, window_cached_follows_the_page_cache);
	tcase_add_test(tc, read_path_pick_is_cheaper_per_byte);
	tcase_add_test(tc, hashing_while_listing_equals_after);
	tcase_add_test(tc, admitted_while_listing_equals_after);
	tcase_add_test(tc, walk_hands_over_files_as_listed);
	tcase_add_test(tc, same_files_compares_built_rules);
	tcase_add_test(tc, listing_ahead_equals_the_walk);
	tcase_add_test(tc, listing_stands_until_a_directory_changes);
	tcase_add_test(tc, walk_until_stops_at_once);
	tcase_add_test(tc, feed_runs_every_item_and_stops_on_failure);
	tcase_add_test(tc, deep_tree_sorted_by_components);
	tcase_add_test(tc, ignore_rules);
	tcase_add_test(tc, ignore_paths_must_stay_inside);
	tcase_add_test(tc, symlinks_refused_unless_allowed_and_inside);
	tcase_add_test(tc, single_file_model);
	tcase_add_test(tc, blake2b_digests_are_64_bytes);
	tcase_add_test(tc, unreadable_and_missing);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(hashing_suite)
