/* Standard output for machines: with --json, exactly one JSON document on
 * every exit. A command that fails before it prints its document (a bad
 * option, a missing key, a malformed policy) still leaves one:
 * {"error": {"message": ..., "command": ..., plus what is known}}. */
#ifndef MODELSEAL_OUTPUT_H
#define MODELSEAL_OUTPUT_H

/* Counts what reaches standard output and, at exit, writes the error
 * document when --json was given, an error was reported and nothing else
 * was printed. Call once, first thing in main. */
void ms_output_init(void);

/* Remembers the first error message for the error document (util.c's
 * ms_error and cli.c's usage errors call this). */
void ms_output_note_error(const char *message);

/* Adds what is known to the error document, e.g. ("model", path) or
 * ("signature", path); later values for a key replace earlier ones. */
void ms_output_context(const char *key, const char *value);

/* The exit status main is about to return, for the document. */
void ms_output_exit_status(int status);

#endif
