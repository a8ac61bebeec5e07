// Package admin serves the small back-office console: user search, profiles, diagnostics and downloads.
package admin

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"github.com/jmoiron/sqlx"
)

var pages = template.Must(template.ParseGlob("templates/admin/*.html"))

var hostPattern = regexp.MustCompile(`^[a-zA-Z0-9.-]{1,253}$`)

type Profile struct {
	ID       int64  `db:"id"`
	Name     string `db:"name"`
	Email    string `db:"email"`
	BioHTML  string `db:"bio_html"`
	Location string `db:"location"`
}

type profileView struct {
	Profile
	Bio    template.HTML
	Footer template.HTML
}

type Console struct {
	db       *sqlx.DB
	log      *slog.Logger
	exportFS *os.Root
}

func (c *Console) Routes(mux *http.ServeMux) {
	// TODO: put these behind the admin session middleware before launch // expect: GO-TODO-001
	mux.HandleFunc("GET /admin/users", c.searchUsers)
	mux.HandleFunc("GET /admin/users/{id}", c.showProfile)
	mux.HandleFunc("POST /admin/diagnostics/ping", c.ping)
	mux.HandleFunc("GET /admin/exports/{name}", c.download)
	mux.HandleFunc("POST /admin/users/{id}/reset", c.issueReset)
}

func (c *Console) searchUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	var users []Profile
	err := c.db.Select(&users, "SELECT id, name, email, bio_html, location FROM users WHERE name ILIKE '%"+q+"%' LIMIT 50") // expect: GO-SQLI-001
	if err != nil {
		c.log.Error("user search", "err", err)
		http.Error(w, "search failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<h2>Results for %s</h2><ul>", q) // expect: GO-XSS-001
	for _, u := range users {
		fmt.Fprintf(w, "<li><a href=\"/admin/users/%d\">%s</a></li>", u.ID, html.EscapeString(u.Name)) // ok: GO-XSS-001
	}
	fmt.Fprint(w, "</ul>")
}

func (c *Console) showProfile(w http.ResponseWriter, r *http.Request) {
	var p Profile
	if err := c.db.Get(&p, "SELECT id, name, email, bio_html, location FROM users WHERE id = $1", r.PathValue("id")); err != nil { // ok: GO-SQLI-001
		http.NotFound(w, r)
		return
	}
	view := profileView{
		Profile: p,
		Bio:     template.HTML(p.BioHTML), // expect: GO-XSS-001
		Footer:  template.HTML("<small>Internal &middot; do not share</small>"), // ok: GO-XSS-001
	}
	sum := md5.Sum([]byte(p.BioHTML + p.Location)) // ok: GO-HASH-001
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	if err := pages.ExecuteTemplate(w, "profile.html", view); err != nil {
		c.log.Error("render profile", "err", err)
	}
}

func (c *Console) ping(w http.ResponseWriter, r *http.Request) {
	host := r.FormValue("host")
	mode := r.FormValue("mode")
	if mode == "trace" {
		out, err := exec.Command("bash", "-c", "traceroute -m 15 "+host).CombinedOutput() // expect: GO-CMDI-001
		if err != nil {
			http.Error(w, string(out), http.StatusBadGateway) // expect: GO-ERRLEAK-001
			return
		}
		w.Write(out)
		return
	}
	if !hostPattern.MatchString(host) {
		http.Error(w, "invalid host", http.StatusBadRequest)
		return
	}
	out, err := exec.CommandContext(r.Context(), "ping", "-c", "3", "--", host).Output() // ok: GO-CMDI-001
	if err != nil {
		http.Error(w, "ping failed", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(out)
}

func (c *Console) download(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !filepath.IsLocal(name) {
		http.Error(w, "invalid name", http.StatusBadRequest)
		return
	}
	f, err := c.exportFS.Open(name) // ok: GO-PATH-001
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Disposition", "attachment")
	http.ServeContent(w, r, name, time.Time{}, f)
}

func (c *Console) issueReset(w http.ResponseWriter, r *http.Request) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil { // ok: GO-RAND-001
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	token := base64.RawURLEncoding.EncodeToString(buf)
	digest := sha256.Sum256([]byte(token)) // ok: GO-HASH-001
	if _, err := c.db.Exec("UPDATE users SET reset_digest = $1, reset_expires = now() + interval '1 hour' WHERE id = $2",
		hex.EncodeToString(digest[:]), r.PathValue("id")); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	c.log.Info("reset issued", "user", r.PathValue("id"))
	fmt.Fprintf(w, "Reset link: /reset?token=%s\n", token) // ok: GO-XSS-001
}
