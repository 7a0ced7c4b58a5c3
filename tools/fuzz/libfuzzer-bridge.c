/*
 * A libFuzzer target that runs each input in a .NET child process (SharpFuzz's Fuzzer.LibFuzzer.Run) and feeds the
 * child's edge counters back to libFuzzer. Written for PgSecureConnect's harness (tests/PgSecureConnect.Fuzz).
 *
 * The child side is fixed by SharpFuzz: it attaches the System V shared memory segment named by __LIBFUZZER_SHM_ID,
 * whose first 64 KiB are its edge counters and whose next 1 MiB is the input; it reads a 4-byte length from fd 198 and
 * answers with a 4-byte status on fd 199 (0: the input passed, anything else: an exception escaped, which the child
 * prints to stderr before it exits). It also writes one status word when it is ready.
 *
 * Build: clang -fsanitize=fuzzer tools/fuzz/libfuzzer-bridge.c -o libfuzzer-bridge  (Debian: libclang-rt-NN-dev)
 * Run:   ./libfuzzer-bridge --target=PATH_TO_HARNESS [libFuzzer flags] CORPUS_DIR...
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
    COUNTERS_SIZE = 1 << 16,
    INPUT_CAPACITY = 1 << 20,
    CHILD_CONTROL_FD = 198, /* the child reads input lengths here */
    CHILD_STATUS_FD = 199,  /* and writes its status here */
};

/* libFuzzer reads every byte of this section as a coverage counter, next to the bridge's own. */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t child_counters[COUNTERS_SIZE];

static struct {
    int segment;
    uint8_t *memory;
    int control; /* our end: we write lengths */
    int status;  /* our end: we read statuses */
    pid_t child;
} bridge = {.segment = -1};

static void fail(const char *what) {
    fprintf(stderr, "libfuzzer-bridge: %s: %s\n", what, errno ? strerror(errno) : "unexpected");
    exit(1);
}

static void remove_segment(void) {
    if (bridge.segment >= 0) {
        shmctl(bridge.segment, IPC_RMID, NULL);
    }
}

/* Reads or writes exactly four bytes, retrying on EINTR; returns 0 when the other side has gone. */
static int transfer_word(int fd, int32_t *word, int writing) {
    char *bytes = (char *)word;
    size_t done = 0;
    while (done < sizeof *word) {
        ssize_t n = writing ? write(fd, bytes + done, sizeof *word - done) : read(fd, bytes + done, sizeof *word - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return 0;
        }
        done += (size_t)n;
    }
    return 1;
}

static const char *target_from(int argc, char **argv) {
    static const char flag[] = "--target=";
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], flag, sizeof flag - 1) == 0 && argv[i][sizeof flag - 1] != '\0') {
            return argv[i] + sizeof flag - 1;
        }
    }
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    const char *target = target_from(*argc, *argv);
    if (target == NULL) {
        fprintf(stderr, "libfuzzer-bridge: give the harness with --target=PATH\n");
        exit(2);
    }

    bridge.segment = shmget(IPC_PRIVATE, COUNTERS_SIZE + INPUT_CAPACITY, IPC_CREAT | IPC_EXCL | 0600);
    if (bridge.segment < 0) {
        fail("shmget");
    }
    atexit(remove_segment);
    bridge.memory = shmat(bridge.segment, NULL, 0);
    if (bridge.memory == (void *)-1) {
        fail("shmat");
    }

    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) {
        fail("pipe");
    }

    bridge.child = fork();
    if (bridge.child < 0) {
        fail("fork");
    }
    if (bridge.child == 0) {
        char segment[16];
        snprintf(segment, sizeof segment, "%d", bridge.segment);
        if (dup2(to_child[0], CHILD_CONTROL_FD) < 0 || dup2(from_child[1], CHILD_STATUS_FD) < 0) {
            fail("dup2");
        }
        close(to_child[0]);
        close(to_child[1]);
        close(from_child[0]);
        close(from_child[1]);
        setenv("__LIBFUZZER_SHM_ID", segment, 1);
        setenv("__LIBFUZZER_CONTROL_PIPE_ID", "198", 1);
        setenv("__LIBFUZZER_STATUS_PIPE_ID", "199", 1);
        execl(target, target, (char *)NULL);
        fail("exec of the harness");
    }

    close(to_child[0]);
    close(from_child[1]);
    bridge.control = to_child[1];
    bridge.status = from_child[0];

    int32_t ready;
    if (!transfer_word(bridge.status, &ready, 0)) {
        fprintf(stderr, "libfuzzer-bridge: the harness %s exited before it was ready\n", target);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > INPUT_CAPACITY) {
        return -1; /* libFuzzer keeps inputs small (-max_len); a larger one is not added to the corpus */
    }

    memset(bridge.memory, 0, COUNTERS_SIZE);
    memcpy(bridge.memory + COUNTERS_SIZE, data, size);

    int32_t length = (int32_t)size, status;
    if (!transfer_word(bridge.control, &length, 1) || !transfer_word(bridge.status, &status, 0)) {
        int child_status = 0;
        waitpid(bridge.child, &child_status, 0);
        fprintf(stderr, "libfuzzer-bridge: the harness died on this input (wait status %d)\n", child_status);
        abort(); /* libFuzzer saves the input as a crash */
    }

    memcpy(child_counters, bridge.memory, COUNTERS_SIZE);
    if (status != 0) {
        fprintf(stderr, "libfuzzer-bridge: a property failed on this input (the harness printed it above)\n");
        abort();
    }
    return 0;
}
