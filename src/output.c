/* One JSON document on every exit with --json. Standard output is wrapped
 * in a stream that counts the bytes that reach it, so that no command has
 * to remember whether it printed: when a command fails before its own
 * document, the exit handler writes {"error": ...} instead. */
#include <cJSON.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modelseal/cli.h"
#include "modelseal/json.h"
#include "modelseal/output.h"
#include "modelseal/util.h"

static unsigned long long written;
/* Hashing threads report too, two at once when both see a file shrink:
 * the first message wins, atomically. */
static _Atomic(char *) first_error;
static cJSON *context;
static int exit_status = -1;

static ssize_t write_stdout(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(STDOUT_FILENO, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)n;
	}
	written += done;
	return (ssize_t)done;
}

void ms_output_note_error(const char *message)
{
	if (atomic_load(&first_error))
		return;
	char *copy = strdup(message); /* may fail: then no message, no harm */
	char *none = NULL;
	if (copy && !atomic_compare_exchange_strong(&first_error, &none, copy))
		free(copy);
}

void ms_output_context(const char *key, const char *value)
{
	if (!context)
		context = cJSON_CreateObject();
	if (!context || !value)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(context, key);
	cJSON_AddStringToObject(context, key, value);
}

void ms_output_exit_status(int status)
{
	exit_status = status;
}

static void emit_error_document(void)
{
	fflush(stdout);
	const char *error = atomic_load(&first_error);
	int failed = exit_status > 0 || (exit_status < 0 && error);
	if (!ms_global.json || written > 0 || !failed)
		return;
	cJSON *doc = cJSON_CreateObject();
	cJSON *err = cJSON_AddObjectToObject(doc, "error");
	cJSON_AddStringToObject(err, "message", error ? error : "failed");
	if (ms_current)
		cJSON_AddStringToObject(err, "command", ms_current->name);
	cJSON_AddNumberToObject(err, "exit_status", exit_status < 0 ? MS_ERR : exit_status);
	for (cJSON *c = context ? context->child : NULL; c; c = c->next)
		cJSON_AddStringToObject(err, c->string, c->valuestring);
	char *text = ms_json_print(doc);
	fputs(text, stdout);
	fflush(stdout);
	free(text);
	cJSON_Delete(doc);
}

void ms_output_init(void)
{
	static const cookie_io_functions_t io = {.write = write_stdout};
	FILE *f = fopencookie(NULL, "w", io);
	if (f) {
		setvbuf(f, NULL, _IOFBF, 1 << 16);
		fflush(stdout);
		stdout = f;
	}
	atexit(emit_error_document);
}
