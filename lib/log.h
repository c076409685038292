/* log: leveled messages on stderr, prefixed with the program's name. */
#ifndef TJ_LOG_H
#define TJ_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Set the program name used as prefix and the most verbose level shown. */
void log_init(const char *prog, enum log_level level);

/* Change the level; TJ_LOG=debug|info|warn|error in the environment too. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Print one line to stderr if level is enabled. Thread-safe (one write). */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
