// Package newsletter is the public side of a newsletter platform (chi router, PostgreSQL, SMTP relay):
// subscribe/unsubscribe pages, the web archive of sent issues, subscriber CSV imports and the bounce
// webhook of the outbound mail provider. Attacker data: form fields and query strings from anyone on the
// internet, uploaded (optionally gzip'd) CSV files from list owners, and the JSON the mail provider posts.
package newsletter

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io"
	"log"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/go-chi/chi/v5"
)

const relayURL = "smtp://campaigns:Vq7rT2xLm9pK4sWz@relay.internal.example:587" // expect: GO-SECRET-001

var archiveTmpl = template.Must(template.New("archive").Parse(`<html><body><h1>{{.Subject}}</h1><p>Sent to {{.ListName}}</p><div>{{.Teaser}}</div></body></html>`)) // expect: GO-XSS-001

var confirmTmpl = htmltemplate.Must(htmltemplate.New("confirm").Parse(`<p>Thanks, {{.Email}}! Check your inbox to confirm.</p>`)) // ok: GO-XSS-001

type Handlers struct {
	DB         *sql.DB
	UnsubKey   []byte
	ExportRoot string
}

// Archive shows one sent issue on the public web archive.
func (h *Handlers) Archive(w http.ResponseWriter, r *http.Request) {
	var issue struct{ Subject, ListName, Teaser string }
	err := h.DB.QueryRow("SELECT subject, list_name, teaser FROM issues WHERE slug = $1 AND public", chi.URLParam(r, "slug")).
		Scan(&issue.Subject, &issue.ListName, &issue.Teaser)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	archiveTmpl.Execute(w, issue)
}

func (h *Handlers) Subscribe(w http.ResponseWriter, r *http.Request) {
	email := r.FormValue("email")
	if _, err := h.DB.Exec("INSERT INTO subscribers (list_id, email) VALUES ($1, $2) ON CONFLICT DO NOTHING", chi.URLParam(r, "list"), email); err != nil {
		http.Error(w, "could not subscribe", http.StatusInternalServerError)
		return
	}
	log.Printf("new subscriber %q on list %q", email, chi.URLParam(r, "list")) // ok: GO-LOG-001
	confirmTmpl.Execute(w, map[string]string{"Email": email})
}

func (h *Handlers) unsubToken(email string) []byte {
	mac := hmac.New(sha256.New, h.UnsubKey)
	mac.Write([]byte(email))
	return mac.Sum(nil)
}

// Unsubscribe is the one-click link at the bottom of every issue.
func (h *Handlers) Unsubscribe(w http.ResponseWriter, r *http.Request) {
	email := r.URL.Query().Get("e")
	tok, _ := base64.RawURLEncoding.DecodeString(r.URL.Query().Get("t"))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if !hmac.Equal(tok, h.unsubToken(email)) { // ok: GO-TIMING-001
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "<p>The unsubscribe link for %s is invalid or has expired.</p>", email) // expect: GO-XSS-001
		return
	}
	h.DB.Exec("UPDATE subscribers SET status = 'unsubscribed' WHERE email = $1", email)
	fmt.Fprint(w, "<p>You will not receive further issues.</p>")
	if back := r.URL.Query().Get("back"); strings.HasPrefix(back, "/archive/") {
		fmt.Fprintf(w, `<p><a href="%s">Back to the archive</a></p>`, htmltemplate.HTMLEscapeString(back)) // ok: GO-XSS-001
	}
}

type bounceEvent struct {
	Recipient string `json:"recipient"`
	Kind      string `json:"kind"`
	Reason    string `json:"reason"`
}

// Bounces receives hard/soft bounce notifications from the mail provider.
func (h *Handlers) Bounces(w http.ResponseWriter, r *http.Request) {
	var events []bounceEvent
	if err := json.NewDecoder(r.Body).Decode(&events); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	for _, ev := range events {
		log.Printf("bounce (%s) for %s: %s", ev.Kind, ev.Recipient, ev.Reason) // expect: GO-LOG-001
		stmt := "UPDATE subscribers SET status = 'bounced', bounce_reason = '" + ev.Reason + "' WHERE email = '" + ev.Recipient + "'"
		if _, err := h.DB.Exec(stmt); err != nil { // expect: GO-SQLI-001
			http.Error(w, fmt.Sprintf("update failed: %v", err), http.StatusInternalServerError) // expect: GO-ERRLEAK-001
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// ImportCSV adds subscribers from a list owner's CSV export (plain or .csv.gz).
func (h *Handlers) ImportCSV(w http.ResponseWriter, r *http.Request) {
	file, hdr, err := r.FormFile("subscribers")
	if err != nil {
		http.Error(w, "missing file", http.StatusBadRequest)
		return
	}
	defer file.Close()
	var src io.Reader = file
	if filepath.Ext(hdr.Filename) == ".gz" {
		gz, err := gzip.NewReader(file)
		if err != nil {
			http.Error(w, "bad gzip", http.StatusBadRequest)
			return
		}
		raw, _ := io.ReadAll(gz) // expect: GO-DECOMPRESS-001
		src = bytes.NewReader(raw)
	}
	rows, _ := csv.NewReader(io.LimitReader(src, 32<<20)).ReadAll()
	dir := filepath.Join(h.ExportRoot, "imports")
	if err := os.MkdirAll(dir, 0o777); err != nil { // expect: GO-PERM-001
		http.Error(w, "storage unavailable", http.StatusInternalServerError)
		return
	}
	report, _ := os.OpenFile(filepath.Join(h.ExportRoot, "reports", "last-import.txt"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640) // ok: GO-PERM-001
	defer report.Close()
	fmt.Fprintf(report, "%d rows\n", len(rows))
}

// sendTest mails a test issue through the relay; the relay's certificate is internal.
func sendTest(to string) error {
	u, _ := url.Parse(relayURL)
	pass, _ := u.User.Password()
	c, err := smtp.Dial(u.Host)
	if err != nil {
		return err
	}
	if err := c.StartTLS(&tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: true}); err != nil { // expect: GO-TLS-001
		return err
	}
	c.Auth(smtp.PlainAuth("", u.User.Username(), pass, u.Hostname()))
	if err := c.Mail("test@newsletter.example"); err != nil {
		return err
	}
	return c.Rcpt(to)
}
