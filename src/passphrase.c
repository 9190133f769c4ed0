/* Passphrases: read into locked, guarded memory and wiped after use. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "modelseal/passphrase.h"
#include "modelseal/util.h"

const char ms_no_argv_passphrase[] =
    "a passphrase is never taken from the command line (other users can see it); "
    "use $" MS_PASSPHRASE_ENV " or --passphrase-file FILE";

void ms_sodium_init(void)
{
	if (sodium_init() < 0) {
		ms_error("cannot initialise libsodium");
		exit(MS_ERR);
	}
}

static char *secure_alloc(void)
{
	ms_sodium_init();
	char *p = sodium_malloc(MS_PASSPHRASE_MAX + 1);
	if (!p) {
		ms_error("out of secure memory");
		exit(MS_ERR);
	}
	memset(p, 0, MS_PASSPHRASE_MAX + 1);
	return p;
}

void ms_passphrase_free(struct ms_passphrase *p)
{
	if (p->text)
		sodium_free(p->text); /* wipes */
	p->text = NULL;
	p->len = 0;
}

/* Reads one line from fd into buf (at most MS_PASSPHRASE_MAX bytes, without
 * the newline or a CR before it). 0 at a newline or end of file, -1 on a read
 * error or an over-long line. */
static int read_line(int fd, char *buf, size_t *len)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n == MS_PASSPHRASE_MAX) {
			errno = EMSGSIZE;
			return -1;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

static int from_file(const char *path, struct ms_passphrase *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ms_error("cannot open passphrase file '%s': %s", path, strerror(errno));
		return -1;
	}
	struct stat st; /* a pipe (--passphrase-file <(...)) has no mode to mind */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & (S_IRWXG | S_IRWXO)))
		ms_warn("passphrase file '%s' can be read by group or others (mode %04o); run "
		        "'chmod 600 %s'",
		        path, (unsigned)(st.st_mode & 07777), path);
	out->text = secure_alloc();
	int rc = read_line(fd, out->text, &out->len);
	int saved = errno;
	close(fd);
	if (rc < 0) {
		ms_error("cannot read passphrase file '%s': %s", path,
		         saved == EMSGSIZE ? "first line too long" : strerror(saved));
		ms_passphrase_free(out);
		return -1;
	}
	return 0;
}

static int from_env(const char *value, struct ms_passphrase *out)
{
	size_t len = strlen(value);
	if (len > MS_PASSPHRASE_MAX) {
		ms_error("$%s is longer than %d bytes", MS_PASSPHRASE_ENV, MS_PASSPHRASE_MAX);
		return -1;
	}
	/* One trailing newline (or CRLF) goes, as it does from a file: the same
	 * secret works both ways. */
	if (len > 0 && value[len - 1] == '\n')
		len--;
	if (len > 0 && value[len - 1] == '\r')
		len--;
	out->text = secure_alloc();
	memcpy(out->text, value, len);
	out->len = len;
	return 0;
}

/* One prompt with echo off; the terminal is restored even when the read fails. */
static int ask(int tty, const char *prompt, char *buf, size_t *len)
{
	struct termios old, quiet;
	if (tcgetattr(tty, &old) < 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(tty, prompt, strlen(prompt)) < 0 || tcsetattr(tty, TCSAFLUSH, &quiet) < 0)
		return -1;
	int rc = read_line(tty, buf, len);
	int saved = errno;
	(void)tcsetattr(tty, TCSAFLUSH, &old);
	(void)!write(tty, "\n", 1);
	errno = saved;
	return rc;
}

static int from_tty(int tty, const char *prompt, int confirm, struct ms_passphrase *out)
{
	out->text = secure_alloc();
	if (ask(tty, prompt, out->text, &out->len) < 0) {
		ms_error("cannot read the passphrase from the terminal: %s", strerror(errno));
		ms_passphrase_free(out);
		return -1;
	}
	if (!confirm)
		return 0;
	char *again = secure_alloc();
	size_t again_len = 0;
	int rc = ask(tty, "Repeat passphrase: ", again, &again_len);
	int same =
	    rc == 0 && again_len == out->len && sodium_memcmp(again, out->text, out->len) == 0;
	sodium_free(again);
	if (!same) {
		ms_error(rc < 0 ? "cannot read the passphrase from the terminal"
		                : "the passphrases do not match");
		ms_passphrase_free(out);
		return -1;
	}
	return 0;
}

int ms_passphrase_get(const struct ms_passphrase_src *src, const char *prompt, int confirm,
                      struct ms_passphrase *out)
{
	out->text = NULL;
	out->len = 0;
	if (src && src->file)
		return from_file(src->file, out);
	const char *env = getenv(MS_PASSPHRASE_ENV);
	if (env)
		return from_env(env, out);
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) {
		ms_error("a passphrase is needed and there is no terminal to ask for it: set $%s "
		         "or use --passphrase-file FILE",
		         MS_PASSPHRASE_ENV);
		return -1;
	}
	int rc = from_tty(tty, prompt, confirm, out);
	close(tty);
	return rc;
}
