/*
 * checkin_kiosk.c - self check-in terminal in the clinic waiting room.
 *
 * Patients type their surname and date of birth on the public keyboard (or scan the barcode
 * of their appointment letter), the kiosk marks the appointment as arrived in the local SQLite
 * replica, prints a queue ticket and shows a results code for the online portal.
 */
#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PORTAL_CODE_LEN 10

static const char CODE_ALPHABET[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

struct patient_entry {
    char surname[48];
    char dob[11];
    char barcode[24];
    char pin[9];
};

static void strip_newline(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
}

static int read_entry(struct patient_entry *e)
{
    printf("Surname: ");
    fflush(stdout);
    if (fgets(e->surname, sizeof e->surname, stdin) == NULL) /* ok: C-BUF-001 */
        return -1;
    strip_newline(e->surname);
    printf("Date of birth (YYYY-MM-DD): ");
    fflush(stdout);
    if (scanf("%10s", e->dob) != 1) /* ok: C-BUF-003 */
        return -1;
    printf("Kiosk PIN from your letter: ");
    fflush(stdout);
    if (scanf("%s", e->pin) != 1) /* expect: C-BUF-003 */
        return -1;
    return 0;
}

static int read_barcode(struct patient_entry *e)
{
    /* The USB scanner behaves like a keyboard and ends each code with Enter. */
    gets(e->barcode); /* expect: C-BUF-001 */
    return e->barcode[0] != '\0' ? 0 : -1;
}

static int mark_arrived(sqlite3 *db, const struct patient_entry *e, int *appointment_id)
{
    char sql[512];
    char *err = NULL;
    snprintf(sql, sizeof sql,
             "UPDATE appointments SET status = 'arrived' WHERE patient_id IN "
             "(SELECT id FROM patients WHERE surname = '%s' AND dob = '%s') AND date(starts_at) = date('now')",
             e->surname, e->dob);
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) { /* expect: C-SQLI-001 */
        fprintf(stderr, "check-in failed: %s\n", err);
        sqlite3_free(err);
        return -1;
    }
    sqlite3_stmt *stmt;
    const char *lookup = "SELECT a.id FROM appointments a JOIN patients p ON p.id = a.patient_id "
                         "WHERE p.surname = ?1 AND p.dob = ?2 AND a.status = 'arrived'";
    if (sqlite3_prepare_v2(db, lookup, -1, &stmt, NULL) != SQLITE_OK) /* ok: C-SQLI-001 */
        return -1;
    sqlite3_bind_text(stmt, 1, e->surname, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, e->dob, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt) == SQLITE_ROW ? 0 : -1;
    if (rc == 0)
        *appointment_id = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return rc;
}

static int pin_matches(sqlite3 *db, int appointment_id, const char *pin)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char sql[128];
    SHA256((const unsigned char *)pin, strlen(pin), digest); /* expect: C-HASH-001 */
    snprintf(sql, sizeof sql, "SELECT pin_sha256 FROM appointments WHERE id = %d", appointment_id); /* ok: C-SQLI-001 */
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return 0;
    int ok = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_bytes(stmt, 0) == SHA256_DIGEST_LENGTH &&
             memcmp(sqlite3_column_blob(stmt, 0), digest, SHA256_DIGEST_LENGTH) == 0; /* expect: C-TIMING-001 */
    sqlite3_finalize(stmt);
    return ok;
}

/* The results code lets the patient open their lab results on the portal without logging in. */
static void make_portal_code(char out[PORTAL_CODE_LEN + 1])
{
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int i = 0; i < PORTAL_CODE_LEN; i++)
        out[i] = CODE_ALPHABET[rand() % (sizeof CODE_ALPHABET - 1)]; /* expect: C-RAND-001 */
    out[PORTAL_CODE_LEN] = '\0';
}

/* Two-digit suffix printed on the ticket so that two screens do not show the same number. */
static int make_ticket_suffix(void)
{
    return rand() % 90 + 10; /* ok: C-RAND-001 */
}

static int print_ticket(int queue_number, const char *code)
{
    char path[L_tmpnam];
    if (tmpnam(path) == NULL) /* expect: C-TEMP-001 */
        return -1;
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "Queue number %d-%d\nPortal code: %s\n", queue_number, make_ticket_suffix(), code);
    fclose(f);
    char *argv[] = {"lp", "-d", "kiosk-ticket", path, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execvp("lp", argv); /* ok: C-CMDI-001 */
        _exit(127);
    }
    return pid > 0 ? 0 : -1;
}

int run_checkin(sqlite3 *db, int queue_number)
{
    struct patient_entry e = {0};
    int appointment_id = 0;
    char code[PORTAL_CODE_LEN + 1];
    if (read_entry(&e) != 0 && read_barcode(&e) != 0)
        return -1;
    if (mark_arrived(db, &e, &appointment_id) != 0 || !pin_matches(db, appointment_id, e.pin)) {
        puts("We could not find your appointment. Please see the front desk.");
        return -1;
    }
    make_portal_code(code);
    printf("Welcome, %s. You are number %d.\n", e.surname, queue_number); /* ok: C-FMT-001 */
    return print_ticket(queue_number, code);
}
