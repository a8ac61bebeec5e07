/* A CGI library-card page: the query string is the request; one value is escaped into its own buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pick(const char *query, const char *key, char *dst, size_t cap)
{
    const char *at = strstr(query, key);
    size_t i = 0;
    if (at == NULL || cap == 0)
        return;
    for (at += strlen(key) + 1; *at && *at != '&' && i + 1 < cap; at++)
        dst[i++] = *at;
    dst[i] = '\0';
}

static void entity_encode(const char *src, char *dst, size_t cap)
{
    size_t j = 0;
    for (; *src && j + 6 < cap; src++) {
        if (*src == '<') {
            memcpy(dst + j, "&lt;", 4);
            j += 4;
        } else {
            dst[j++] = *src;
        }
    }
    dst[j] = '\0';
}

int main(void)
{
    const char *query = getenv("QUERY_STRING");
    char card[32], reader[64], reader_html[400], branch[64], branch_copy[400];
    if (query == NULL)
        return 1;
    pick(query, "card", card, sizeof card);
    pick(query, "reader", reader, sizeof reader);
    pick(query, "branch", branch, sizeof branch);
    entity_encode(reader, reader_html, sizeof reader_html);
    strcpy(branch_copy, branch);
    entity_encode(branch, reader_html, sizeof reader_html);
    printf("Content-Type: text/html\r\n\r\n");
    printf("<h2>Card %s</h2>\n", card); /* expect: C-XSS-001 */
    printf("<p>Reader: %s</p>\n", reader_html); /* ok: C-XSS-001 */
    printf("<p>Branch: %s</p>\n", branch_copy); /* expect: C-XSS-001 */
    return 0;
}
