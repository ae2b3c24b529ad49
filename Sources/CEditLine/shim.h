#include <stdio.h>
#include <histedit.h>
#include <sys/ioctl.h>
#include <unistd.h>

// Swift cannot call C variadic functions (el_set, el_get, history, ioctl), so
// each use the REPL needs gets a fixed-signature inline wrapper here.

typedef char *(*loralab_prompt_function)(EditLine *);
typedef unsigned char (*loralab_editor_function)(EditLine *, int);

static inline int loralab_el_set_prompt(EditLine *el, loralab_prompt_function prompt) {
    return el_set(el, EL_PROMPT, prompt);
}

static inline int loralab_el_set_editor(EditLine *el, const char *mode) {
    return el_set(el, EL_EDITOR, mode);
}

static inline int loralab_el_set_history(EditLine *el, History *list) {
    return el_set(el, EL_HIST, history, list);
}

static inline int loralab_el_set_client_data(EditLine *el, void *data) {
    return el_set(el, EL_CLIENTDATA, data);
}

static inline void *loralab_el_get_client_data(EditLine *el) {
    void *data = NULL;
    if (el_get(el, EL_CLIENTDATA, &data) != 0) return NULL;
    return data;
}

static inline int loralab_el_add_function(EditLine *el, const char *name, const char *help,
                                          loralab_editor_function function) {
    return el_set(el, EL_ADDFN, name, help, function);
}

/// Binds one key sequence (e.g. "^I") to a named editor function.
static inline int loralab_el_bind(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, key, function, (const char *)NULL);
}

/// Applies one stty-style flag (e.g. "-isig") to the terminal mode used while editing.
static inline int loralab_el_set_edit_mode_tty_flag(EditLine *el, const char *flag) {
    return el_set(el, EL_SETTY, "-d", flag, (const char *)NULL);
}

static inline int loralab_el_set_signal_handling(EditLine *el, int enabled) {
    return el_set(el, EL_SIGNAL, enabled);
}

static inline int loralab_history_set_size(History *list, int size) {
    HistEvent event;
    return history(list, &event, H_SETSIZE, size);
}

static inline int loralab_history_set_unique(History *list, int unique) {
    HistEvent event;
    return history(list, &event, H_SETUNIQUE, unique);
}

static inline int loralab_history_enter(History *list, const char *line) {
    HistEvent event;
    return history(list, &event, H_ENTER, line);
}

/// Columns of the terminal on `fd`, or 0 when it is not a terminal.
static inline int loralab_terminal_columns(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    return size.ws_col;
}
